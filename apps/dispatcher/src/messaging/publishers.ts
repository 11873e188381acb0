// Everything the dispatcher publishes, each with the Nats-Msg-Id that makes a repeat after a crash harmless.
import { auditMsgId, deliveryTaskMsgId, type AuditRecord, type ControlCommand, type DeliveryTask, type NatsNames } from '@hookmesh/contracts';
import { publishJson, type JetStreamClient, type PubAck } from '@hookmesh/messaging';
import { context } from '@opentelemetry/api';

export interface DispatcherPublishers {
  /** Stores a delivery task on DELIVERIES (fan-out id for series 0 attempt 1, else `<delivery>:<series>:<attempt>`). */
  deliveryTask(task: DeliveryTask): Promise<PubAck>;
  /** Stores an audit record on AUDIT. */
  auditRecord(record: AuditRecord): Promise<PubAck>;
  /** Asks the subscription-service, over CONTROL, to change a callback. */
  controlCommand(command: ControlCommand): Promise<PubAck>;
}

/**
 * Defers each publish to the end of the current event-loop turn and starts all of the turn's publishes together.
 * nats.js writes whatever was queued within one synchronous run in a single socket write, but attempts finish one
 * HTTP response per I/O callback, so without this every audit record cost its own write syscall: the largest single
 * item (~17 %) of the dispatcher's CPU profile in the end-to-end benchmark (docs/benchmarks.md).
 */
export function createTurnBatcher(): <T>(start: () => Promise<T>) => Promise<T> {
  let queued: Array<() => void> = [];
  const flush = () => {
    const run = queued;
    queued = [];
    for (const start of run) start();
  };
  return (start) =>
    new Promise((resolve, reject) => {
      // publishJson puts the active trace context into the message headers: each publish runs in its caller's.
      const caller = context.active();
      if (queued.length === 0) setImmediate(flush);
      queued.push(() => {
        try {
          context.with(caller, start).then(resolve, reject);
        } catch (error) {
          // A synchronous throw fails this publish only, not the others of the turn.
          reject(error);
        }
      });
    });
}

/** Binds the publishers to one JetStream client and installation names. */
export function createPublishers(js: JetStreamClient, names: NatsNames, timeoutMs = 5_000): DispatcherPublishers {
  const inThisTurn = createTurnBatcher();
  return {
    deliveryTask: (task) =>
      inThisTurn(() => publishJson(js, names.deliverySubject(task.account, task.callback_id), task, { msgID: deliveryTaskMsgId(task), timeoutMs })),
    auditRecord: (record) => inThisTurn(() => publishJson(js, names.auditSubject(record.account, record.kind), record, { msgID: auditMsgId(record), timeoutMs })),
    controlCommand: (command) =>
      publishJson(js, names.controlSubject(command.account, command.command), command, {
        // One disable per callback per instant is enough; a repeat inside the window is dropped.
        msgID: `${command.command}:${command.account}:${command.callback_id}:${command.at}`,
        timeoutMs,
      }),
  };
}
