// Everything the dispatcher publishes, each with the Nats-Msg-Id that makes a repeat after a crash harmless.
import { auditMsgId, deliveryTaskMsgId, type AuditRecord, type ControlCommand, type DeliveryTask, type NatsNames } from '@hookmesh/contracts';
import { publishJson, type JetStreamClient, type PubAck } from '@hookmesh/messaging';

export interface DispatcherPublishers {
  /** Stores a delivery task on DELIVERIES (fan-out id for series 0 attempt 1, else `<delivery>:<series>:<attempt>`). */
  deliveryTask(task: DeliveryTask): Promise<PubAck>;
  /** Stores an audit record on AUDIT. */
  auditRecord(record: AuditRecord): Promise<PubAck>;
  /** Asks the subscription-service, over CONTROL, to change a callback. */
  controlCommand(command: ControlCommand): Promise<PubAck>;
}

/** Binds the publishers to one JetStream client and installation names. */
export function createPublishers(js: JetStreamClient, names: NatsNames, timeoutMs = 5_000): DispatcherPublishers {
  return {
    deliveryTask: (task) =>
      publishJson(js, names.deliverySubject(task.account, task.callback_id), task, { msgID: deliveryTaskMsgId(task), timeoutMs }),
    auditRecord: (record) => publishJson(js, names.auditSubject(record.account, record.kind), record, { msgID: auditMsgId(record), timeoutMs }),
    controlCommand: (command) =>
      publishJson(js, names.controlSubject(command.account, command.command), command, {
        // One disable per callback per instant is enough; a repeat inside the window is dropped.
        msgID: `${command.command}:${command.account}:${command.callback_id}:${command.at}`,
        timeoutMs,
      }),
  };
}
