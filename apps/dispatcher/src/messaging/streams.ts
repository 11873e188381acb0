// The streams and durable consumers the dispatcher uses; it owns DELIVERIES and AUDIT, the others it only makes sure exist.
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

/** Creates EVENTS and CONTROL when missing, and creates or updates DELIVERIES and AUDIT (the streams this service owns). */
export async function ensureDispatcherStreams(jsm: JetStreamManager, settings: HookmeshStreamSettings): Promise<void> {
  const configs = hookmeshStreamConfigs(settings);
  await ensureStream(jsm, configs.events, { update: false });
  await ensureStream(jsm, configs.deliveries, { update: true });
  await ensureStream(jsm, configs.audit, { update: true });
  await ensureStream(jsm, configs.control, { update: false });
}

/** Default HOOKMESH_ACK_WAIT_MARGIN: the fan-out's ack_wait, and what the delivery consumer adds to the HTTP timeout. */
export const ACK_WAIT_MARGIN_MS = 30_000;

type DurableConfig = Partial<ConsumerConfig> & { durable_name: string };

/**
 * The fan-out consumer on EVENTS. DeliverPolicy.All: a fresh installation fans out events ingested before the
 * dispatcher first started. (Re-creating a deleted consumer therefore replays the retained events; only an
 * operator deleting it by hand does that.)
 */
export function fanoutConsumerConfig(names: NatsNames, options: { maxAckPending: number; ackWaitMs?: number }): DurableConfig {
  return {
    durable_name: names.consumers.dispatcherFanout,
    filter_subject: names.subjects.events,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? ACK_WAIT_MARGIN_MS),
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
  };
}

/**
 * The delivery consumer on DELIVERIES, shared by every dispatcher replica. ack_wait outlives the longest attempt
 * (HTTP timeout + margin, 30 s unless HOOKMESH_ACK_WAIT_MARGIN says otherwise; the worker also signals progress),
 * so no second worker sends the same attempt. The margin is also how long a crashed worker's tasks wait to come back.
 * Waiting tasks (not yet due, held, open circuit) are nak'ed with a delay and count as ack-pending, so
 * max_ack_pending bounds how many can wait at once before new work stalls.
 * max_deliver is unlimited because those naks are not attempts: the attempt number lives in the payload.
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
