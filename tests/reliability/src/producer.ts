// The producer a careful internal system would be: every event carries an idempotency key, and a 503 (or a
// dropped connection) is retried with the same key until a 202, bounded in time. Only a 202 goes in the ledger.
import { eventTypes, type BuiltinMessageType } from '@hookmesh/contracts';
import type { Platform } from '@hookmesh/testing';
import { randomUUID } from 'node:crypto';
import type { Ledger } from './ledger';

export type ProduceOptions = {
  account: string;
  messageType: BuiltinMessageType;
  count: number;
  /** Callbacks every event of this run must reach (registered for `messageType`). */
  callbackIds: readonly string[];
  /** Events in flight at once. */
  lanes?: number;
  /** How long one event may keep being retried before the run fails. */
  giveUpAfterMs?: number;
  /** Called after each 202 with the number accepted so far (a test fires its fault from here). */
  onAccepted?: (acceptedSoFar: number) => Promise<void> | void;
  /** Called on each 503 with the number of 503s so far (a test ends its fault once producers have seen it). */
  onUnavailable?: (unavailableSoFar: number) => void;
  /** Called on every answer with its status and how long the request took (a test bounds the 503s' latency). */
  onAnswer?: (status: number, elapsedMs: number) => void;
  /** After `count`, lanes keep posting while this holds (a test keeps events flowing until its fault is over). */
  moreWhile?: () => boolean;
  /** Pause of each lane after a 202: paces the run, so deliveries keep up and a stall shows as a gap. */
  pauseMs?: number;
};

export type ProduceStats = { accepted: number; retried503: number; retriedNetwork: number };

/** The seed payload of a message type. */
export function seedData(type: BuiltinMessageType): unknown {
  return (eventTypes[type].example as { data: unknown }).data;
}

/** Posts `count` events (more while `moreWhile` holds), each retried on 503 with its idempotency key until 202; records every 202 in the ledger. */
export async function produceEvents(platform: Platform, ledger: Ledger, options: ProduceOptions): Promise<ProduceStats> {
  const run = randomUUID();
  const stats: ProduceStats = { accepted: 0, retried503: 0, retriedNetwork: 0 };
  const data = seedData(options.messageType);
  const token = await platform.token(options.account);
  const giveUpAfterMs = options.giveUpAfterMs ?? 30_000;
  let next = 0;

  async function postOne(index: number): Promise<void> {
    const key = `${run}-${index}`;
    const body = JSON.stringify({ message_type: options.messageType, data, idempotency_key: key });
    const deadline = Date.now() + giveUpAfterMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`event ${key} got no 202 within ${giveUpAfterMs} ms`);
      const sentAt = performance.now();
      const response = await fetch(`${platform.api('event-ingest', options.account)}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      if (!response) {
        stats.retriedNetwork += 1;
        await pause(200);
        continue;
      }
      const text = await response.text();
      options.onAnswer?.(response.status, performance.now() - sentAt);
      if (response.status === 202) {
        const messageId = (JSON.parse(text) as { message_id: string }).message_id;
        ledger.accept(messageId, options.callbackIds);
        stats.accepted += 1;
        await options.onAccepted?.(stats.accepted);
        if (options.pauseMs) await pause(options.pauseMs);
        return;
      }
      if (response.status !== 503) throw new Error(`event ${key}: unexpected ${response.status} ${text.slice(0, 300)}`);
      stats.retried503 += 1;
      options.onUnavailable?.(stats.retried503);
      const retryAfterSeconds = Number(response.headers.get('retry-after') ?? '1');
      // Honour Retry-After, but a test has no time for a long one.
      await pause(Math.min(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 1000, 1000));
    }
  }

  async function lane(): Promise<void> {
    while (next < options.count || options.moreWhile?.() === true) {
      const index = next;
      next += 1;
      await postOne(index);
    }
  }

  await Promise.all(Array.from({ length: options.lanes ?? 4 }, () => lane()));
  return stats;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
