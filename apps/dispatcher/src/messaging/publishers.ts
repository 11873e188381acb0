// Everything the dispatcher publishes, each with the Nats-Msg-Id that makes a repeat after a crash harmless.
import {
  deliveryTaskMsgId,
  NOT_BEFORE_HEADER,
  OPERATIONAL_ACCOUNT,
  operationalEventMsgId,
  operationalEventRecord,
  type AuditRecord,
  type ControlCommand,
  type DeliveryTask,
  type NatsNames,
  type OperationalEventData,
  type OperationalEventType,
  type OrderedWake,
} from '@hookmesh/contracts';
import { natsHeaders, publishJson, type AckedPublisher, type JsMsg, type MsgHdrs, type PubAck } from '@hookmesh/messaging';
import { context } from '@opentelemetry/api';
import { createAuditBatcher } from './audit-batcher';

export interface DispatcherPublishers {
  /** Stores a task that is due now on DELIVERIES (Nats-Msg-Id: deliveryTaskMsgId, so a repeat after a crash is dropped). */
  toDue(task: DeliveryTask): Promise<PubAck>;
  /** Stores a task that waits (a retry, a held type, an open circuit; its not_before says until when) on WAITING. */
  toWaiting(task: DeliveryTask): Promise<PubAck>;
  /** Stores an audit record on AUDIT, batched with the others of its turn (audit-batcher.ts). */
  auditRecord(record: AuditRecord): Promise<void>;
  /**
   * Acks at the end of the turn, together with the turn's publishes and other acks. nats.js flushes in a microtask
   * after the first command, and acks that follow their PubAcks through a few promise hops each missed it: one
   * socket write per ack, the largest item left in the dispatcher's profile (docs/benchmarks.md).
   */
  ack(msg: JsMsg): void;
  /** Asks the subscription-service, over CONTROL, to change a callback. */
  controlCommand(command: ControlCommand): Promise<PubAck>;
  /** Wakes the ordered lane of a (callback, key): an event of it is on EVENTS (one wake per event, the newest kept). */
  wakeOrdered(wake: OrderedWake, messageId: string): Promise<PubAck>;
  /** Raises an operational event: an event of the reserved account, fanned out to the operator's callbacks. */
  operationalEvent(type: OperationalEventType, data: OperationalEventData, now: Date): Promise<PubAck>;
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

/** Binds the publishers to one publisher (the connection's PubAck inbox, or a JetStream client) and installation names. */
export function createPublishers(js: AckedPublisher, names: NatsNames, options: { timeoutMs?: number } = {}): DispatcherPublishers {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inThisTurn = createTurnBatcher();
  // A task moving to WAITING keeps its id only if nothing about it changed; a re-announced or re-scheduled copy is new.
  const waitingId = (task: DeliveryTask) => `${deliveryTaskMsgId(task)}:${task.not_before ?? ''}`;
  return {
    toDue: (task) => inThisTurn(() => publishJson(js, names.deliverySubject(task.account, task.callback_id), task, { msgID: deliveryTaskMsgId(task), timeoutMs })),
    toWaiting: (task) =>
      inThisTurn(() => publishJson(js, names.waitingSubject(task.account, task.callback_id), task, { msgID: waitingId(task), headers: notBeforeHeaders(task), timeoutMs })),
    auditRecord: createAuditBatcher({ js, names, timeoutMs }),
    // An ack that cannot be written (connection gone) is not an error here: JetStream redelivers the message.
    ack: (msg) => void inThisTurn(async () => msg.ack()).catch(() => undefined),
    wakeOrdered: (wake, messageId) =>
      inThisTurn(() =>
        publishJson(js, names.orderedSubject(wake.account, wake.callback_id, wake.ordering_key), wake, { msgID: `${messageId}:${wake.callback_id}:ordered`, timeoutMs }),
      ),
    operationalEvent: (type, data, now) =>
      inThisTurn(() =>
        publishJson(js, names.eventSubject(OPERATIONAL_ACCOUNT, type), operationalEventRecord(type, data, now), { msgID: operationalEventMsgId(type, data), timeoutMs }),
      ),
    controlCommand: (command) =>
      publishJson(js, names.controlSubject(command.account, command.command), command, {
        // One disable per callback per instant is enough; a repeat inside the window is dropped.
        msgID: `${command.command}:${command.account}:${command.callback_id}:${command.at}`,
        timeoutMs,
      }),
  };
}

/** The not-before header of a WAITING message (NOT_BEFORE_HEADER), so the dispatcher can turn it back undecoded. */
export function notBeforeHeaders(task: Pick<DeliveryTask, 'not_before'>): MsgHdrs | undefined {
  const at = task.not_before === undefined ? NaN : Date.parse(task.not_before);
  if (!Number.isFinite(at)) return undefined;
  const headers = natsHeaders();
  headers.set(NOT_BEFORE_HEADER, String(at));
  return headers;
}
