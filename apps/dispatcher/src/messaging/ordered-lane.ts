// The ordered lane: deliveries of one (callback, ordering key) in ingest order, one at a time, by one worker at a time.
//
// The events stay where ingest stored them: EVENTS keeps each keyed event on its own subject (the key's token), in
// stream order, which is ingest order. The fan-out only wakes the lane (ORDERED, one wake kept per subject). A worker
// woken for a (callback, key) takes its lease in the ordering bucket (compare-and-set, so one owner at a time across
// replicas), then walks the subject from the key's cursor: the event after the cursor is the head, and it is delivered
// (retries, holds, circuits and rate limits included) before the cursor moves past it. Whatever the head is waiting
// for is written to the bucket with it, so after a crash the next worker (once the lease and the wake's ack_wait
// have run out) resumes with the same head, attempt and sequence number: order holds, and nothing is skipped.
import { deliveryTaskOf, EventRecord, OrderedWake, OrderingState, type CallbackState, type DeliveryTask, type NatsNames } from '@hookmesh/contracts';
import { decodeMessage, traceContextFromHeaders, type DeadLetters, type JetStreamManager, type JsMsg, type KV, type MsgRequest } from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import type { Logger } from 'pino';
import type { DeliveryPlanner } from '../domain/delivery-plan';
import { nextAttemptDelay } from '../domain/retry-schedule';
import { MIN_WAIT_MS } from '../domain/waits';
import type { DispatcherMetrics } from '../metrics';
import type { DeliveryPath, TaskSource } from './delivery-path';
import type { DispatcherPublishers } from './publishers';

export interface OrderedLaneDeps {
  jsm: JetStreamManager;
  names: NatsNames;
  /** The ordering bucket: one OrderingState per (callback, key). */
  states: KV;
  path: DeliveryPath;
  view: SubscriptionView;
  planner: Pick<DeliveryPlanner, 'planOf'>;
  publishers: Pick<DispatcherPublishers, 'ack'>;
  metrics: DispatcherMetrics;
  deadLetters: DeadLetters;
  log: Logger;
  /** This process; each drain of a key leases it as `<owner>#<n>`, so two workers of one process never share a lease. */
  owner: string;
  /** How long a lease holds without renewal: as long as the wake's ack_wait, so a dead owner's key comes back with it. */
  leaseMs: number;
  now: () => Date;
  random: () => number;
}

/** The bucket moved under us: another worker took the key after our lease ran out. */
class LeaseLost extends Error {}

interface Stored {
  state: OrderingState;
  /** The entry's revision (0: no entry yet). */
  revision: number;
}

/** Returns the ORDERED message handler (run by runConsumer). */
export function createOrderedLaneHandler(deps: OrderedLaneDeps): (msg: JsMsg) => Promise<void> {
  const { jsm, names, states, log } = deps;

  async function read(key: string, initialCursor: number): Promise<Stored> {
    const entry = await states.get(key);
    if (entry === null || entry.operation !== 'PUT') {
      return { state: { cursor: initialCursor, sequence: 0, head: null, lease: null, updated_at: deps.now().toISOString() }, revision: entry?.revision ?? 0 };
    }
    return { state: OrderingState.parse(entry.json()), revision: entry.revision };
  }

  /** Writes the state if nobody wrote since `revision`; throws LeaseLost otherwise. */
  async function write(key: string, stored: Stored, state: OrderingState): Promise<Stored> {
    const value = JSON.stringify({ ...state, updated_at: deps.now().toISOString() });
    try {
      const revision = stored.revision === 0 ? await states.create(key, value) : await states.update(key, value, stored.revision);
      return { state, revision };
    } catch (error) {
      if (/wrong last sequence|key exists/i.test(String((error as Error).message))) throw new LeaseLost(key);
      throw error;
    }
  }

  const leaseFor = (owner: string) => ({ owner, until: new Date(deps.now().getTime() + deps.leaseMs).toISOString() });
  let drains = 0;

  /** The task of the head event as the delivery path takes it. */
  function taskOf(event: EventRecord, callbackId: string, head: NonNullable<OrderingState['head']>, key: string): DeliveryTask {
    return deliveryTaskOf(event, callbackId, {
      series: 0,
      attempt: head.attempt,
      not_before: head.not_before,
      waiting: head.waiting,
      ordering_key: key,
      sequence: head.sequence,
    });
  }

  async function eventAt(seq: number): Promise<EventRecord | null> {
    const stored = await jsm.streams.getMessage(names.streams.events, { seq });
    if (stored === null) return null;
    const parsed = EventRecord.safeParse(stored.json());
    return parsed.success ? parsed.data : null;
  }

  /** The first event of the subject after `cursor`, with its sequence; null when there is none (yet). */
  async function nextAfter(subject: string, cursor: number): Promise<{ seq: number; event: EventRecord | null } | null> {
    // The stream leader answers (STREAM.MSG.GET; nats-server 2.9 takes next_by_subj there too, which the client's
    // types leave out), never a replica that may lag behind what was just stored.
    const request = { next_by_subj: subject, seq: cursor + 1 } as unknown as MsgRequest;
    const stored = await jsm.streams.getMessage(names.streams.events, request);
    if (stored === null) return null;
    const parsed = EventRecord.safeParse(stored.json());
    return { seq: stored.seq, event: parsed.success ? parsed.data : null };
  }

  /** Delivers the key's events from its cursor on, while this worker holds the lease; resolves with what to do with the wake. */
  async function drain(wake: OrderedWake, callback: CallbackState | undefined, msg: JsMsg): Promise<{ ack: true } | { ack: false; delayMs: number }> {
    const key = names.ordering.key(wake.account, wake.callback_id, wake.ordering_key);
    const subject = names.eventSubject(wake.account, wake.message_type, wake.ordering_key);
    // The lease names this drain, not the process: two wakes of one key can reach two workers of one process at the
    // same time, and a lease both took for "this process" let the second attempt the head the first had in flight.
    const owner = `${deps.owner}#${(drains += 1)}`;
    // A key never seen starts where its callback's order starts (events before it went out unordered).
    let stored = await read(key, Math.max(0, (callback?.ordered_from_seq ?? wake.event_seq) - 1));
    // A wake the cursor has passed may still be the lane's only one: the fan-out publishes wakes concurrently, so an
    // older one can replace a newer one on the subject. It may go without the lease only when nothing follows.
    if (stored.state.head === null && stored.state.cursor >= wake.event_seq && (await nextAfter(subject, stored.state.cursor)) === null) return { ack: true };
    const lease = stored.state.lease;
    if (lease !== null && Date.parse(lease.until) > deps.now().getTime()) {
      // Someone else is on it; look again when its lease would end (sooner if it finishes and the cursor passes us).
      return { ack: false, delayMs: Math.min(Math.max(MIN_WAIT_MS, Date.parse(lease.until) - deps.now().getTime()), 1_000) + Math.floor(deps.random() * 100) };
    }
    stored = await write(key, stored, { ...stored.state, lease: leaseFor(owner) });

    // A drain that fails part-way (NATS gone, say) gives its lease back, so the next wake need not wait it out.
    try {
      for (;;) {
        let head = stored.state.head;
        let event: EventRecord | null;
        if (head === null) {
          const next = await nextAfter(subject, stored.state.cursor);
          if (next === null) {
            await write(key, stored, { ...stored.state, lease: null });
            // The event that woke us is stored, so "nothing after the cursor" before reaching it means a read that
            // did not see it yet: look again rather than drop the wake.
            if (stored.state.cursor < wake.event_seq && (await eventAt(wake.event_seq)) !== null) return { ack: false, delayMs: 500 };
            return { ack: true };
          }
          if (next.event === null) {
            // Not an EventRecord (the fan-out dead-letters it from its own consumer): nothing to deliver, move past it.
            log.warn({ seq: next.seq, subject }, 'skipping an EVENTS message that is not an event in an ordered lane');
            stored = await write(key, stored, { ...stored.state, cursor: next.seq, lease: leaseFor(owner) });
            continue;
          }
          event = next.event;
          const firstDelay = callback === undefined ? 0 : (nextAttemptDelay(deps.planner.planOf(callback)?.schedule ?? [0], 0, deps.random) ?? 0);
          head = {
            event_seq: next.seq,
            sequence: stored.state.sequence + 1,
            attempt: 1,
            ...(firstDelay > 0 ? { not_before: new Date(deps.now().getTime() + firstDelay).toISOString() } : {}),
          };
          stored = await write(key, stored, { ...stored.state, head, lease: leaseFor(owner) });
        } else {
          event = await eventAt(head.event_seq);
          if (event === null) {
            // Gone from EVENTS (past its retention) or unreadable: it cannot be delivered; the key goes on.
            log.warn({ seq: head.event_seq, subject }, 'the head event of an ordered lane is no longer on EVENTS; moving past it');
            stored = await write(key, stored, { ...stored.state, cursor: head.event_seq, sequence: head.sequence, head: null, lease: leaseFor(owner) });
            continue;
          }
        }

        const waitMs = head.not_before === undefined ? 0 : Date.parse(head.not_before) - deps.now().getTime();
        if (waitMs > MIN_WAIT_MS) {
          // The head waits (a retry's delay, a hold, an open circuit, a rate limit): the key is free until then.
          await write(key, stored, { ...stored.state, lease: null });
          return { ack: false, delayMs: waitMs };
        }

        let kept: DeliveryTask | undefined;
        let settled = false;
        let renewing: Promise<unknown> = Promise.resolve();
        // A renewal that fails (the lease was lost) is rethrown after the attempt, never left unhandled meanwhile.
        let renewalError: unknown;
        const source: TaskSource = {
          lane: 'ordered',
          settled: () => {
            settled = true;
          },
          nak: (delayMs) => {
            kept = { ...taskOf(event, wake.callback_id, head, wake.ordering_key), not_before: new Date(deps.now().getTime() + delayMs).toISOString() };
          },
          working: () => {
            msg.working();
            // A long attempt keeps the lease too (one renewal at a time).
            renewing = renewing.then(async () => {
              if (renewalError !== undefined) return;
              stored = await write(key, stored, { ...stored.state, lease: leaseFor(owner) });
            }).catch((error: unknown) => {
              renewalError ??= error;
            });
          },
          keep: async (next) => {
            kept = next;
          },
        };
        await deps.path.deliver({ ...taskOf(event, wake.callback_id, head, wake.ordering_key), not_before: undefined }, source, traceContextFromHeaders(msg.headers));
        await renewing;
        if (renewalError !== undefined) throw renewalError;
        if (kept !== undefined) {
          const nextHead = {
            ...head,
            attempt: kept.attempt,
            ...(kept.not_before === undefined ? {} : { not_before: kept.not_before }),
            ...(kept.waiting === undefined ? {} : { waiting: kept.waiting }),
          };
          if (kept.not_before === undefined) delete nextHead.not_before;
          if (kept.waiting === undefined) delete nextHead.waiting;
          stored = await write(key, stored, { ...stored.state, head: nextHead, lease: leaseFor(owner) });
          continue;
        }
        if (!settled) throw new Error('the delivery path neither settled nor kept an ordered task');
        stored = await write(key, stored, { ...stored.state, cursor: head.event_seq, sequence: head.sequence, head: null, lease: leaseFor(owner) });
        deps.metrics.orderedSettled.inc();
      }
    } catch (error) {
      if (!(error instanceof LeaseLost)) await write(key, stored, { ...stored.state, lease: null }).catch(() => undefined);
      throw error;
    }
  }

  return async function handleOrdered(msg: JsMsg): Promise<void> {
    const decoded = decodeMessage(OrderedWake, msg);
    if (!decoded.ok) {
      await deps.deadLetters.terminate(msg, decoded.reason, decoded.problem);
      return;
    }
    const wake = decoded.value;
    const callback = deps.view.callback(wake.account, wake.callback_id);
    try {
      const verdict = await drain(wake, callback, msg);
      if (verdict.ack) deps.publishers.ack(msg);
      else msg.nak(verdict.delayMs);
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      // Another worker holds the key now: it delivers what follows; this wake looks again shortly.
      log.info({ account: wake.account, callback_id: wake.callback_id }, 'ordered lane taken over by another worker');
      msg.nak(1_000 + Math.floor(deps.random() * 500));
    }
  };
}
