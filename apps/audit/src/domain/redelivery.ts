// Redeliver and recover, as use cases: start a new attempt series for a delivery and hand its task back to the
// dispatchers. What they need from Postgres and JetStream comes in as ports; what can go wrong comes out as the errors
// below, which the routes turn into answers.
import { ApiVersion, deliveryTaskOf, type CallbackState, type DeliveryTask, type RedeliveryRequestedRecord, type RedeliverResponse } from '@hookmesh/contracts';

/** The delivery does not exist in this account. */
export class DeliveryNotFound extends Error {
  constructor(deliveryId: string) {
    super(`No delivery ${deliveryId} in this account.`);
  }
}

/** The callback is disabled, so the dispatcher would settle a redelivery without sending it. */
export class CallbackDisabled extends Error {
  constructor(callbackId: string) {
    super(
      `The callback ${callbackId} is disabled, so nothing would be sent. Enable it first (PATCH /callbacks/${callbackId} {"status":"active"} on the Callback Configuration API), then redeliver.`,
    );
  }
}

/** The delivery's event is no longer stored (or not yet), so it cannot be sent again; recover skips these. */
export class EventNotStored extends Error {
  constructor(messageId: string) {
    super(`The event ${messageId} of this delivery is not stored (pruned by retention, or not received yet), so it cannot be redelivered.`);
  }
}

/** JetStream did not store the task or its record; nothing was changed and the same request may be retried. */
export class RedeliveryNotStored extends Error {
  constructor(cause: unknown) {
    super('JetStream could not store the redelivery; nothing was changed, retry after Retry-After seconds.', { cause });
  }
}

/** What the use case reads of a delivery row. */
export interface StoredDelivery {
  id: string;
  account: string;
  message_id: string;
  callback_id: string;
  message_type: RedeliveryRequestedRecord['message_type'];
  series: number;
}

/** What it reads of the event as stored. */
export interface StoredEvent {
  message_id: string;
  account: string;
  message_type: DeliveryTask['event']['message_type'];
  api_version: string;
  data: unknown;
  ingested_at: Date;
}

/** One transaction: the delivery row stays locked until it commits. */
export interface RedeliveryTransaction {
  lockDelivery(account: string, deliveryId: string): Promise<StoredDelivery | undefined>;
  findEvent(account: string, messageId: string): Promise<StoredEvent | undefined>;
  /** Stores who asked and moves the delivery to the new series. */
  recordRequest(record: RedeliveryRequestedRecord): Promise<void>;
}

export interface RedeliveryPorts {
  /** Runs `work` in one transaction; it commits only when `work` resolves. */
  transaction<T>(work: (trx: RedeliveryTransaction) => Promise<T>): Promise<T>;
  /** Stores the task on DELIVERIES and the record on AUDIT (deduplicated by their message ids); throws when it cannot. */
  publish(task: DeliveryTask, record: RedeliveryRequestedRecord): Promise<void>;
  /** The callback's status as the subscription state says, undefined when it is not known (deleted). */
  callbackStatus(account: string, callbackId: string): CallbackState['status'] | undefined;
  /** Ids of the callback's deliveries that failed since `since`, after `afterId`, in id order. */
  failedDeliveryIds(query: { account: string; callbackId: string; since: string; afterId: string | null; limit: number }): Promise<string[]>;
  now(): Date;
  /** Told of each redelivery made and each failed delivery recover skipped. */
  onRedelivered(event: { deliveryId: string; callbackId: string; series: number; requestedBy: string }): void;
  onSkipped(event: { deliveryId: string; reason: EventNotStored }): void;
}

function refuseDisabledCallback(ports: RedeliveryPorts, account: string, callbackId: string): void {
  // A callback the view does not know (deleted) is left to the dispatcher, which records it as not attempted.
  if (ports.callbackStatus(account, callbackId) === 'disabled') throw new CallbackDisabled(callbackId);
}

/** The redelivery_requested record of the next series of a delivery. */
function redeliveryRecordOf(delivery: StoredDelivery, requestedBy: string, requestedAt: string): RedeliveryRequestedRecord {
  return {
    kind: 'redelivery_requested',
    delivery_id: delivery.id,
    message_id: delivery.message_id,
    account: delivery.account,
    callback_id: delivery.callback_id,
    message_type: delivery.message_type,
    series: delivery.series + 1,
    requested_by: requestedBy,
    requested_at: requestedAt,
  };
}

/**
 * Allocates the next series under the row lock, records who asked, publishes the DeliveryTask (attempt 1 of the new
 * series, with the stored event) and its record, and commits only after JetStream stored both. A failed publish
 * rolls everything back; a retry then reuses the same series and message ids, so JetStream drops the copy a
 * half-finished first try may have stored.
 */
export async function redeliver(ports: RedeliveryPorts, request: { account: string; deliveryId: string; requestedBy: string }): Promise<RedeliverResponse> {
  return ports.transaction(async (trx) => {
    const delivery = await trx.lockDelivery(request.account, request.deliveryId);
    if (delivery === undefined) throw new DeliveryNotFound(request.deliveryId);
    refuseDisabledCallback(ports, request.account, delivery.callback_id);
    const event = await trx.findEvent(request.account, delivery.message_id);
    if (event === undefined) throw new EventNotStored(delivery.message_id);
    const record = redeliveryRecordOf(delivery, request.requestedBy, ports.now().toISOString());
    await trx.recordRequest(record);
    // The same task the fan-out made, with the event as stored (its own api_version), in the next series.
    const task = deliveryTaskOf(
      { message_id: event.message_id, account: event.account, message_type: event.message_type, api_version: ApiVersion.parse(event.api_version), data: event.data, ingested_at: event.ingested_at.toISOString() },
      delivery.callback_id,
      { series: record.series, requested_by: request.requestedBy },
    );
    try {
      await ports.publish(task, record);
    } catch (error) {
      throw new RedeliveryNotStored(error);
    }
    ports.onRedelivered({ deliveryId: delivery.id, callbackId: delivery.callback_id, series: record.series, requestedBy: request.requestedBy });
    return { delivery_id: delivery.id, series: record.series };
  });
}

const RECOVER_PAGE = 100;

/** Redelivers every failed delivery of a callback whose failure was recorded since `since`; returns how many. */
export async function recoverCallback(ports: RedeliveryPorts, request: { account: string; callbackId: string; since: string; requestedBy: string }): Promise<number> {
  refuseDisabledCallback(ports, request.account, request.callbackId);
  let count = 0;
  let afterId: string | null = null;
  for (;;) {
    const ids = await ports.failedDeliveryIds({ ...request, afterId, limit: RECOVER_PAGE });
    for (const deliveryId of ids) {
      try {
        await redeliver(ports, { account: request.account, deliveryId, requestedBy: request.requestedBy });
        count += 1;
      } catch (error) {
        // Pruned events cannot be redelivered; the rest still can. Anything else (an outage, a disable) stops the run.
        if (!(error instanceof EventNotStored)) throw error;
        ports.onSkipped({ deliveryId, reason: error });
      }
    }
    if (ids.length < RECOVER_PAGE) return count;
    afterId = ids[ids.length - 1] ?? null;
  }
}
