// The ports of the redelivery use cases (domain/redelivery.ts) over Postgres and JetStream.
import { auditMsgId, deliveryTaskMsgId, natsNames, type CallbackState } from '@hookmesh/contracts';
import type { Logger } from '@hookmesh/logging';
import { deadlineIn, publishJson, type JetStreamClient } from '@hookmesh/messaging';
import { deliveryPatchOf } from '../domain/delivery-state';
import type { RedeliveryPorts } from '../domain/redelivery';
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

/** Postgres for the delivery and its event (one transaction per redelivery), JetStream for the task and its record. */
export function redeliveryPorts(deps: RedeliveryDeps): RedeliveryPorts {
  const names = natsNames(deps.prefix);
  return {
    transaction: (work) =>
      deps.db.transaction().execute((trx) =>
        work({
          lockDelivery: (account, deliveryId) => lockDelivery(trx, account, deliveryId),
          findEvent: (account, messageId) => findEvent(trx, account, messageId),
          async recordRequest(record) {
            await insertRedeliveryRequests(trx, [record]);
            await upsertDeliveryPatches(trx, [deliveryPatchOf(record)]);
          },
        }),
      ),
    async publish(task, record) {
      // One budget for both publishes: the request answers within it whatever the link does.
      const deadline = deadlineIn(deps.publishTimeoutMs ?? 5_000);
      try {
        await publishJson(deps.js, names.deliverySubject(task.account, task.callback_id), task, { msgID: deliveryTaskMsgId(task), deadline });
        await publishJson(deps.js, names.auditSubject(record.account, 'redelivery_requested'), record, { msgID: auditMsgId(record), deadline });
      } catch (error) {
        deps.log.warn({ err: error, delivery_id: record.delivery_id, series: record.series }, 'redelivery not stored in JetStream');
        throw error;
      }
    },
    callbackStatus: (account, callbackId) => deps.callbacks.callback(account, callbackId)?.status,
    failedDeliveryIds: (query) => failedDeliveryIds(deps.db, query),
    now: deps.now,
    onRedelivered: ({ deliveryId, callbackId, series, requestedBy }) =>
      deps.log.info({ delivery_id: deliveryId, callback_id: callbackId, series, requested_by: requestedBy }, 'redelivery requested'),
    onSkipped: ({ deliveryId }) => deps.log.warn({ delivery_id: deliveryId }, 'failed delivery skipped by recover: its event is no longer stored'),
  };
}
