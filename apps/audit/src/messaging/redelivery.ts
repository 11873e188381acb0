// Redeliver and recover: start a new attempt series for a delivery and put its task back on DELIVERIES.
import {
  auditMsgId,
  deliveryTaskMsgId,
  natsNames,
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

export interface RedeliveryDeps {
  db: AuditDb;
  js: JetStreamClient;
  prefix: string;
  log: Logger;
  now: () => Date;
  /** The budget of one redelivery's publishes, retries included (ms); default 5 s. */
  publishTimeoutMs?: number;
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
    const event = await findEvent(trx, request.account, delivery.message_id);
    if (event === undefined) {
      throw new Conflict(`The event ${delivery.message_id} of this delivery is not stored (pruned by retention, or not received yet), so it cannot be redelivered.`);
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
    const task: DeliveryTask = {
      delivery_id: delivery.id,
      series,
      attempt: 1,
      account: delivery.account,
      callback_id: delivery.callback_id,
      event: { message_id: event.message_id, message_type: event.message_type, api_version: '1.0', data: event.data },
      ingested_at: event.ingested_at.toISOString(),
      requested_by: request.requestedBy,
    };
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
  let count = 0;
  let afterId: string | null = null;
  for (;;) {
    const ids = await failedDeliveryIds(deps.db, { ...request, afterId, limit: RECOVER_PAGE });
    for (const deliveryId of ids) {
      try {
        await redeliver(deps, { account: request.account, deliveryId, requestedBy: request.requestedBy });
        count += 1;
      } catch (error) {
        // Pruned events cannot be redelivered; the rest still can. Anything else (an outage) stops the run: 503.
        if (!(error instanceof Conflict)) throw error;
        deps.log.warn({ delivery_id: deliveryId }, 'failed delivery skipped by recover: its event is no longer stored');
      }
    }
    if (ids.length < RECOVER_PAGE) return count;
    afterId = ids[ids.length - 1] ?? null;
  }
}
