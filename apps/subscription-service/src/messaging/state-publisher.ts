/**
 * Publishes subscription state from Postgres (the source of truth) to the JetStream KV bucket the dispatcher
 * watches. Changes commit together with a kv_outbox row; this loop drains those rows: right after each change
 * (kick), on an interval, and after a NATS reconnect, so a NATS outage delays the KV but never leaves it stale.
 */
import { MessageType, ProfileName, type NatsNames } from '@hookmesh/contracts';
import type { KV, NatsConnection } from '@hookmesh/messaging';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callbackState } from '../domain/callbacks';
import { eventTypeState } from '../domain/event-types';
import { profileState } from '../domain/profiles';
import { holdIsActive, holdState } from '../domain/holds';
import type { ServiceMetrics } from '../metrics';
import { allCallbackKeys, findCallback } from '../storage/callbacks-repository';
import type { Db, SubscriptionDatabase } from '../storage/database';
import { allEventTypeNames, findEventType } from '../storage/event-types-repository';
import { allProfileNames, findProfile } from '../storage/profiles-repository';
import { allHoldKeys, findHold } from '../storage/holds-repository';
import {
  completeOutbox,
  countPendingOutbox,
  enqueueOutbox,
  lockPublisher,
  pendingOutbox,
  type OutboxRef,
} from '../storage/kv-outbox-repository';

export interface StatePublisher {
  /**
   * Fast path after a change: publish pending rows now (coalesced; never two runs at once in this process).
   * Resolves once they are in the KV bucket or after `waitMs`, whichever comes first; never rejects.
   */
  kick(waitMs?: number): Promise<void>;
  /**
   * Publishes pending rows now and says whether they all reached the KV bucket within `waitMs`: for changes the API
   * must not confirm before event-ingest and the dispatcher can see them (the event catalog). Never rejects.
   */
  publishNow(waitMs: number): Promise<boolean>;
  /** Publishes every pending row; resolves false when NATS refused a write (the rest waits for the next run). */
  publishPending(): Promise<boolean>;
  /** Makes the bucket equal Postgres: republishes every row and deletes keys that have no row. */
  reconcile(): Promise<boolean>;
  /** Starts the interval and the reconnect trigger. */
  start(): void;
  /** Stops the triggers and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface StatePublisherOptions {
  db: Kysely<SubscriptionDatabase>;
  kv: KV;
  names: NatsNames;
  /** Watched for reconnects, after which the whole state is reconciled. */
  nc: NatsConnection;
  log: Logger;
  metrics: ServiceMetrics;
  /** How often pending rows are retried. */
  intervalMs: number;
  /** Outbox rows taken per transaction. */
  batchSize?: number;
  now?: () => Date;
}

const ENQUEUE_CHUNK = 1_000;

function refKey(ref: OutboxRef): string {
  return `${ref.kind}\u0000${ref.account}\u0000${ref.ref}`;
}

/**
 * How long an API change waits for its KV write before answering: a customer who gets 201 can post an
 * event at once and the dispatcher already knows the callback. Bounded, because Postgres has the change
 * and the outbox publishes it later if NATS is down.
 */
export const ANSWER_AFTER_PUBLISH_MS = 1_000;

/** Creates the publisher; nothing runs until start() or kick(). */
export function createStatePublisher(options: StatePublisherOptions): StatePublisher {
  const { db, kv, names, nc, log, metrics, intervalMs, batchSize = 500, now = () => new Date() } = options;
  let running: Promise<boolean> | undefined;
  let again = false;
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;

  function kvKey(ref: OutboxRef): string | undefined {
    if (ref.kind === 'callback') return names.kv.callbackKey(ref.account, ref.ref);
    if (ref.kind === 'event_type') return MessageType.safeParse(ref.ref).success ? names.kv.eventTypeKey(ref.ref) : undefined;
    if (ref.kind === 'profile') return ProfileName.safeParse(ref.ref).success ? names.kv.profileKey(ref.ref) : undefined;
    const messageType = MessageType.safeParse(ref.ref);
    return messageType.success ? names.kv.holdKey(ref.account, messageType.data) : undefined;
  }

  /** The value to put under the key, or null when the key must be deleted (row gone, or hold expired). */
  async function currentValue(tx: Db, ref: OutboxRef, at: Date): Promise<string | null> {
    if (ref.kind === 'callback') {
      const row = await findCallback(tx, ref.account, ref.ref);
      return row === undefined ? null : JSON.stringify(callbackState(row, at));
    }
    if (ref.kind === 'profile') {
      const row = await findProfile(tx, ref.ref);
      return row === undefined ? null : JSON.stringify(profileState(row));
    }
    if (ref.kind === 'event_type') {
      // Archived types stay in the bucket, flagged, so event-ingest can tell "archived" (409) from "unknown" (400).
      const row = await findEventType(tx, ref.ref);
      return row === undefined ? null : JSON.stringify(eventTypeState(row));
    }
    const messageType = MessageType.safeParse(ref.ref);
    if (!messageType.success) return null;
    const row = await findHold(tx, ref.account, messageType.data);
    return row === undefined || !holdIsActive(row, at) ? null : JSON.stringify(holdState(row));
  }

  /** One transaction: up to batchSize rows, published key by key. Returns whether rows may remain, and whether NATS failed. */
  async function publishBatch(): Promise<{ more: boolean; failed: boolean }> {
    return db.transaction().execute(async (tx) => {
      await lockPublisher(tx);
      const rows = await pendingOutbox(tx, batchSize);
      const latest = new Map<string, { ref: OutboxRef; maxId: number }>();
      for (const row of rows) {
        const ref: OutboxRef = { kind: row.kind, account: row.account, ref: row.ref };
        const seen = latest.get(refKey(ref));
        latest.set(refKey(ref), { ref, maxId: Math.max(row.id, seen?.maxId ?? 0) });
      }
      const at = now();
      for (const { ref, maxId } of latest.values()) {
        const key = kvKey(ref);
        if (key !== undefined) {
          // Read under the lock, so the value put is at least as new as anything an earlier run put.
          const value = await currentValue(tx, ref, at);
          const operation = value === null ? 'delete' : 'put';
          try {
            if (value === null) await kv.delete(key);
            else await kv.put(key, value);
            metrics.kvWrites.inc({ operation, outcome: 'ok' });
          } catch (error) {
            metrics.kvWrites.inc({ operation, outcome: 'failed' });
            if (!failing) log.warn({ err: error, key }, 'cannot write subscription state to the KV bucket; will retry');
            failing = true;
            return { more: true, failed: true };
          }
        }
        await completeOutbox(tx, ref, maxId);
      }
      return { more: rows.length === batchSize, failed: false };
    });
  }

  async function drain(): Promise<boolean> {
    for (;;) {
      const { more, failed } = await publishBatch();
      if (failed) return false;
      if (failing) log.info('subscription state reaches the KV bucket again');
      failing = false;
      if (!more) return true;
    }
  }

  async function runLoop(): Promise<boolean> {
    let ok = true;
    do {
      again = false;
      try {
        ok = await drain();
      } catch (error) {
        // Postgres trouble: the rows stay in the outbox and the interval retries.
        log.warn({ err: error }, 'kv outbox run failed; will retry');
        ok = false;
      }
      try {
        metrics.outboxPending.set(await countPendingOutbox(db));
      } catch {
        // The gauge is informative; the run's outcome is already logged.
      }
      // While NATS refuses writes, spinning on every kick would only add load: the interval and reconnect retry.
    } while (again && ok && !stopped);
    return ok;
  }

  function publishPending(): Promise<boolean> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    const run = runLoop().finally(() => {
      running = undefined;
    });
    running = run;
    return run;
  }

  async function reconcile(): Promise<boolean> {
    const refs = new Map<string, OutboxRef>();
    const add = (ref: OutboxRef) => refs.set(refKey(ref), ref);
    try {
      // Keys in the bucket without a row get an outbox entry too: the publisher finds no row and deletes them.
      for await (const key of await kv.keys()) {
        const parsed = names.kv.parseKey(key);
        if (parsed?.kind === 'callback') add({ kind: 'callback', account: parsed.account, ref: parsed.callbackId });
        if (parsed?.kind === 'hold') add({ kind: 'hold', account: parsed.account, ref: parsed.messageType });
        if (parsed?.kind === 'event_type') add({ kind: 'event_type', account: '', ref: parsed.messageType });
        if (parsed?.kind === 'profile') add({ kind: 'profile', account: '', ref: parsed.name });
      }
    } catch (error) {
      log.warn({ err: error }, 'cannot list the KV bucket; reconcile republishes Postgres rows only');
    }
    for (const row of await allCallbackKeys(db)) add({ kind: 'callback', account: row.account, ref: row.id });
    for (const row of await allHoldKeys(db)) add({ kind: 'hold', account: row.account, ref: row.message_type });
    for (const name of await allEventTypeNames(db)) add({ kind: 'event_type', account: '', ref: name });
    for (const name of await allProfileNames(db)) add({ kind: 'profile', account: '', ref: name });
    const all = [...refs.values()];
    for (let start = 0; start < all.length; start += ENQUEUE_CHUNK) await enqueueOutbox(db, all.slice(start, start + ENQUEUE_CHUNK));
    log.info({ keys: all.length }, 'reconciling the KV bucket with Postgres');
    return publishPending();
  }

  return {
    kick(waitMs = 0) {
      if (stopped) return Promise.resolve();
      const published = publishPending().then(
        () => undefined,
        () => undefined,
      );
      if (waitMs <= 0) return Promise.resolve();
      return Promise.race([published, new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())]);
    },
    publishNow(waitMs) {
      if (stopped) return Promise.resolve(false);
      const published = publishPending().catch(() => false);
      return Promise.race([published, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), waitMs).unref())]);
    },
    publishPending,
    reconcile,
    start() {
      timer = setInterval(() => void publishPending(), intervalMs);
      void (async () => {
        // The iterator ends when the connection closes; after stop() events are ignored.
        for await (const event of nc.status()) {
          if (stopped) break;
          if (event.type === 'reconnect') {
            void reconcile().catch((error: unknown) => log.warn({ err: error }, 'reconcile after reconnect failed; the interval retries'));
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
