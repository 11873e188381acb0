// Redeliver and recover: start a new attempt series for a delivery and put its task back on DELIVERIES.
import {
  ApiVersion,
  auditMsgId,
  deliveryTaskMsgId,
  deliveryTaskOf,
  natsNames,
  type CallbackState,
  type DeliveryTask,
  type RedeliveryRequestedRecord,
  type RedeliverResponse,
} from '@hookmesh/contracts';
import { Conflict, NotFound, Unavailable } from '@hookmesh/http';
import type { Logger } from '@hookmesh/logging';
import { deadlineIn, publishJson, type JetStreamClient } from '@hookmesh/messaging';
import { deliveryPatchOf } from '../domain/delivery-state';
import { insertRedeliveryRequests } from '../storage/audit-records';
import type { AuditDb } from '../storage/database';
import { failedDeliveryIds, lockDelivery, upsertDeliveryPatches } from '../storage/deliveries';
import { findEvent } from '../storage/event-log';

/** What audit knows of a callback, from the subscription state on NATS (the KV bucket), never from another service's tables. */
export interface CallbackLookup {
  callback(account: string, callbackId: string): Pick<CallbackState, 'status'> | undefined;
}

export interface RedeliveryDeps {
  db: AuditDb;
  js: JetStreamClient;
  prefix: string;
  log: Logger;
  now: () => Date;
  callbacks: CallbackLookup;
  /** The budget of one redelivery's publishes, retries included (ms); default 5 s. */
  publishTimeoutMs?: number;
}

/** 409: the callback is disabled, so the dispatcher would settle a redelivery without sending it. */
export class CallbackDisabled extends Conflict {
  constructor(callbackId: string) {
    super(
      `The callback ${callbackId} is disabled, so nothing would be sent. Enable it first (PATCH /callbacks/${callbackId} {"status":"active"} on the Callback Configuration API), then redeliver.`,
    );
  }
}

/** 409: the delivery's event is no longer stored, so it cannot be sent again (recover skips these). */
export class EventNotStored extends Conflict {}

function refuseDisabledCallback(deps: RedeliveryDeps, account: string, callbackId: string): void {
  // A callback the view does not know (deleted) is left to the dispatcher, which records it as not attempted.
  if (deps.callbacks.callback(account, callbackId)?.status === 'disabled') throw new CallbackDisabled(callbackId);
}

/**
 * Allocates the next series under a row lock, records who asked, publishes the DeliveryTask (attempt 1 of the new
 * series, with the stored event) and the redelivery_requested record, and commits only after JetStream stored both.
 * A failed publish rolls everything back (503); a retry then reuses the same series and Nats-Msg-Id, so JetStream
 * drops the copy a half-finished first try may have stored.
 */
export async function redeliver(
  deps: RedeliveryDeps,
  request: { account: string; deliveryId: string; requestedBy: string },
): Promise<RedeliverResponse> {
  const names = natsNames(deps.prefix);
  return deps.db.transaction().execute(async (trx) => {
    const delivery = await lockDelivery(trx, request.account, request.deliveryId);
    if (delivery === undefined) throw new NotFound(`No delivery ${request.deliveryId} in this account.`);
    refuseDisabledCallback(deps, request.account, delivery.callback_id);
    const event = await findEvent(trx, request.account, delivery.message_id);
    if (event === undefined) {
      throw new EventNotStored(`The event ${delivery.message_id} of this delivery is not stored (pruned by retention, or not received yet), so it cannot be redelivered.`);
    }
    const requestedAt = deps.now().toISOString();
    const series = delivery.series + 1;
    const record: RedeliveryRequestedRecord = {
      kind: 'redelivery_requested',
      delivery_id: delivery.id,
      message_id: delivery.message_id,
      account: delivery.account,
      callback_id: delivery.callback_id,
      message_type: delivery.message_type,
      series,
      requested_by: request.requestedBy,
      requested_at: requestedAt,
    };
    await insertRedeliveryRequests(trx, [record]);
    await upsertDeliveryPatches(trx, [deliveryPatchOf(record)]);
    // The same task the fan-out made, with the event as stored (its own api_version), in the next series.
    const task: DeliveryTask = deliveryTaskOf(
      { message_id: event.message_id, account: event.account, message_type: event.message_type, api_version: ApiVersion.parse(event.api_version), data: event.data, ingested_at: event.ingested_at.toISOString() },
      delivery.callback_id,
      { series, requested_by: request.requestedBy },
    );
    try {
      // One budget for both publishes: the request answers within it whatever the link does.
      const deadline = deadlineIn(deps.publishTimeoutMs ?? 5_000);
      await publishJson(deps.js, names.deliverySubject(task.account, task.callback_id), task, { msgID: deliveryTaskMsgId(task), deadline });
      await publishJson(deps.js, names.auditSubject(record.account, 'redelivery_requested'), record, { msgID: auditMsgId(record), deadline });
    } catch (error) {
      deps.log.warn({ err: error, delivery_id: delivery.id, series }, 'redelivery not stored in JetStream');
      throw new Unavailable(5, 'JetStream could not store the redelivery; nothing was changed, retry after Retry-After seconds.');
    }
    deps.log.info({ delivery_id: delivery.id, callback_id: delivery.callback_id, series, requested_by: request.requestedBy }, 'redelivery requested');
    return { delivery_id: delivery.id, series };
  });
}

const RECOVER_PAGE = 100;

/** Redelivers every failed delivery of a callback whose failure was recorded since `since`; returns how many. */
export async function recoverCallback(
  deps: RedeliveryDeps,
  request: { account: string; callbackId: string; since: string; requestedBy: string },
): Promise<number> {
  refuseDisabledCallback(deps, request.account, request.callbackId);
  let count = 0;
  let afterId: string | null = null;
  for (;;) {
    const ids = await failedDeliveryIds(deps.db, { ...request, afterId, limit: RECOVER_PAGE });
    for (const deliveryId of ids) {
      try {
        await redeliver(deps, { account: request.account, deliveryId, requestedBy: request.requestedBy });
        count += 1;
      } catch (error) {
        // Pruned events cannot be redelivered; the rest still can. Anything else (an outage, a disable) stops the run.
        if (!(error instanceof EventNotStored)) throw error;
        deps.log.warn({ delivery_id: deliveryId }, 'failed delivery skipped by recover: its event is no longer stored');
      }
    }
    if (ids.length < RECOVER_PAGE) return count;
    afterId = ids[ids.length - 1] ?? null;
  }
}
