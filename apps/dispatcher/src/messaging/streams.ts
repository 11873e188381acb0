// The streams and durable consumers the dispatcher uses; it owns DELIVERIES, WAITING and AUDIT, the others it only makes sure exist.
import type { NatsNames } from '@hookmesh/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  ensureStream,
  hookmeshStreamConfigs,
  nanos,
  type ConsumerConfig,
  type HookmeshStreamSettings,
  type JetStreamManager,
} from '@hookmesh/messaging';

/** Creates EVENTS, CONTROL and DEAD when missing, and creates or updates DELIVERIES, WAITING, ORDERED and AUDIT (the streams this service owns). */
export async function ensureDispatcherStreams(jsm: JetStreamManager, settings: HookmeshStreamSettings): Promise<void> {
  const configs = hookmeshStreamConfigs(settings);
  await ensureStream(jsm, configs.events, { update: false });
  await ensureStream(jsm, configs.deliveries, { update: true });
  await ensureStream(jsm, configs.waiting, { update: true });
  await ensureStream(jsm, configs.ordered, { update: true });
  await ensureStream(jsm, configs.audit, { update: true });
  await ensureStream(jsm, configs.control, { update: false });
  // Messages the fan-out or the workers give up on are kept there (audit owns its settings).
  await ensureStream(jsm, configs.dead, { update: false });
}

/** Default HOOKMESH_ACK_WAIT_MARGIN: the fan-out's ack_wait, and what the delivery consumer adds to the HTTP timeout. */
export const ACK_WAIT_MARGIN_MS = 30_000;

type DurableConfig = Partial<ConsumerConfig> & { durable_name: string };

/**
 * The fan-out consumer on EVENTS. DeliverPolicy.All: a fresh installation fans out events ingested before the
 * dispatcher first started. (Re-creating a deleted consumer therefore replays the retained events; only an
 * operator deleting it by hand does that.) The fan-out attempts deliveries itself, so its ack_wait outlives an
 * attempt like the delivery consumers' (and it signals progress while one runs).
 */
export function fanoutConsumerConfig(names: NatsNames, options: { maxAckPending: number; deliveryTimeoutMs: number; ackWaitMarginMs?: number }): DurableConfig {
  return {
    durable_name: names.consumers.dispatcherFanout,
    filter_subject: names.subjects.events,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.deliveryTimeoutMs + (options.ackWaitMarginMs ?? ACK_WAIT_MARGIN_MS)),
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
  };
}

/**
 * The delivery consumer on DELIVERIES, shared by every dispatcher replica. ack_wait outlives the longest attempt
 * (HTTP timeout + margin, 30 s unless HOOKMESH_ACK_WAIT_MARGIN says otherwise; the worker also signals progress),
 * so no second worker sends the same attempt. The margin is also how long a crashed worker's tasks wait to come back.
 * A task that must wait (not yet due, held, open circuit) is moved to WAITING rather than nak'ed here: a nak'ed
 * task counts as ack-pending until it comes back, and max_ack_pending of them would stall every callback.
 * max_deliver is unlimited because the short naks of a busy callback are not attempts: the attempt number lives in the payload.
 */
export function deliveryConsumerConfig(names: NatsNames, options: { deliveryTimeoutMs: number; maxAckPending: number; ackWaitMarginMs?: number }): DurableConfig {
  return {
    durable_name: names.consumers.dispatcherDelivery,
    filter_subject: names.subjects.deliveries,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.deliveryTimeoutMs + (options.ackWaitMarginMs ?? ACK_WAIT_MARGIN_MS)),
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
  };
}

/**
 * The consumer on WAITING: the same workers, for tasks whose time has not come. A waiting task is nak'ed with its
 * remaining delay and counts as ack-pending all that while, so its max_ack_pending (HOOKMESH_MAX_WAITING) is large;
 * should it ever fill, only waiting tasks are late, while DELIVERIES keeps serving the tasks that are due.
 */
export function waitingConsumerConfig(names: NatsNames, options: { deliveryTimeoutMs: number; maxAckPending: number; ackWaitMarginMs?: number }): DurableConfig {
  return {
    ...deliveryConsumerConfig(names, options),
    durable_name: names.consumers.dispatcherWaiting,
    filter_subject: names.subjects.waiting,
  };
}

/**
 * The consumer on ORDERED: wake-ups of ordered (callback, key)s. Its ack_wait is the lease of a key (HTTP timeout +
 * margin, renewed while an attempt runs), so a crashed worker's keys come back to the others when both run out.
 */
export function orderedConsumerConfig(names: NatsNames, options: { deliveryTimeoutMs: number; maxAckPending: number; ackWaitMarginMs?: number }): DurableConfig {
  return {
    ...deliveryConsumerConfig(names, options),
    durable_name: names.consumers.dispatcherOrdered,
    filter_subject: names.subjects.ordered,
  };
}
