// Consumes CONTROL: the dispatcher asks to disable a callback that kept failing; Postgres records it, the KV follows.
import {
  ControlCommand,
  disabledReasonOf,
  messageLinkOf,
  OPERATIONAL_ACCOUNT,
  operationalEventMsgId,
  operationalEventRecord,
  raisesOperationalEvents,
  type DisableCallbackCommand,
  type NatsNames,
  type OperationalEventData,
} from '@hookmesh/contracts';
import {
  AckPolicy,
  decodeMessage,
  DeliverPolicy,
  nanos,
  publishJson,
  runConsumer,
  terminateMessage,
  type JetStreamClient,
  type JetStreamManager,
  type RunningConsumer,
} from '@hookmesh/messaging';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ServiceMetrics } from '../metrics';
import { findCallback, updateCallback } from '../storage/callbacks-repository';
import type { CallbackRow } from '../storage/callbacks.table';
import type { SubscriptionDatabase } from '../storage/database';
import { enqueueOutbox } from '../storage/kv-outbox-repository';
import type { StatePublisher } from './state-publisher';

export type DisableOutcome = 'disabled' | 'already_disabled' | 'not_found';

// Commands of dispatchers from before causes were typed carry none: they only disabled for failing.
const reasonOf = (command: DisableCallbackCommand) => disabledReasonOf(command.cause ?? 'failing', command.failing_since);

/** Sets the callback disabled (with its outbox row) unless it is gone or already disabled. */
export async function applyDisableCallback(
  db: Kysely<SubscriptionDatabase>,
  command: DisableCallbackCommand,
  now: Date,
): Promise<{ outcome: DisableOutcome; row?: CallbackRow }> {
  return db.transaction().execute(async (tx) => {
    const row = await findCallback(tx, command.account, command.callback_id, { forUpdate: true });
    if (row === undefined) return { outcome: 'not_found' };
    if (row.status === 'disabled') return { outcome: 'already_disabled', row };
    const updated = await updateCallback(tx, command.account, command.callback_id, { status: 'disabled', disabledReason: reasonOf(command), updatedAt: now });
    await enqueueOutbox(tx, [{ kind: 'callback', account: command.account, ref: command.callback_id }]);
    return { outcome: 'disabled', row: updated ?? row };
  });
}

/** The operator's callback.disabled event of a disable this command made. */
export function callbackDisabledEvent(command: DisableCallbackCommand, row: CallbackRow): OperationalEventData {
  const last = command.last_attempt;
  return {
    account: command.account,
    callback_id: command.callback_id,
    url: row.url,
    message_type: row.message_type,
    reason: reasonOf(command),
    ...(last === undefined
      ? {}
      : {
          delivery_id: last.delivery_id,
          last_status_code: last.status_code,
          last_error: last.error,
          attempts: last.attempt,
          message_link: messageLinkOf(command.account, last.message_id),
        }),
    at: command.at,
  };
}

export interface ControlConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  metrics: ServiceMetrics;
  publisher: Pick<StatePublisher, 'kick'>;
  now?: () => Date;
}

/** Starts the supervised CONTROL consumer; a command is acked only after Postgres stored its effect. */
export function startControlConsumer(options: ControlConsumerOptions): RunningConsumer {
  const { db, log, metrics, publisher, names, now = () => new Date() } = options;
  return runConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: names.streams.control,
    config: {
      durable_name: names.consumers.subscriptionControl,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: names.subjects.control,
      ack_wait: nanos(30_000),
    },
    log,
    concurrency: 4,
    async handle(msg) {
      const decoded = decodeMessage(ControlCommand, msg);
      if (!decoded.ok) {
        metrics.controlCommands.inc({ command: 'unknown', outcome: 'malformed' });
        terminateMessage(msg, log, 'dropping malformed CONTROL command', decoded.problem);
        return;
      }
      const command = decoded.value;
      // A throw (Postgres down) naks with a delay in runConsumer: the command waits, it is not lost.
      const { outcome, row } = await applyDisableCallback(db, command, now());
      metrics.controlCommands.inc({ command: command.command, outcome });
      // Told once per disable: a command that comes back after a crash finds the callback disabled with its own
      // reason and announces again, and the event's Nats-Msg-Id drops the repeat.
      const ours = outcome === 'disabled' || (outcome === 'already_disabled' && row?.disabled_reason === reasonOf(command));
      if (ours && row !== undefined && raisesOperationalEvents(command.account)) {
        const data = callbackDisabledEvent(command, row);
        await publishJson(options.js, names.eventSubject(OPERATIONAL_ACCOUNT, 'callback.disabled'), operationalEventRecord('callback.disabled', data, now()), {
          msgID: operationalEventMsgId('callback.disabled', data),
          timeoutMs: 5_000,
        });
      }
      if (outcome === 'disabled') {
        void publisher.kick();
        log.warn(
          { account: command.account, callback_id: command.callback_id, cause: command.cause ?? 'failing', reason: command.reason, requested_at: command.at },
          'callback disabled automatically; the customer must re-enable it (PATCH status active)',
        );
      } else {
        log.info({ account: command.account, callback_id: command.callback_id, outcome }, 'disable_callback command had nothing to change');
      }
      msg.ack();
    },
  });
}
