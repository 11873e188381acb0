// The handler of DELIVERIES (tasks due now) and WAITING (tasks that wait): decode the task, deliver it, and let the
// delivery path acknowledge or nak the message through its source.
import { DeliveryTask, NOT_BEFORE_HEADER } from '@hookmesh/contracts';
import { decodeMessage, traceContextFromHeaders, type DeadLetters, type JsMsg } from '@hookmesh/messaging';
import { notDueFor } from '../domain/waits';
import type { DeliveryPath, TaskSource } from './delivery-path';
import type { DispatcherPublishers } from './publishers';

export type DeliveryLane = 'due' | 'waiting';

export interface LaneHandlerDeps {
  path: DeliveryPath;
  publishers: Pick<DispatcherPublishers, 'ack'>;
  /** Where a message that is not a DeliveryTask is kept before it is terminated, per lane (DELIVERIES, WAITING). */
  deadLetters: Record<DeliveryLane, DeadLetters>;
  now: () => number;
}

/** Returns the handler of both delivery consumers (run by runConsumer); the consumer that pulled a message names its lane. */
export function createLaneHandler(deps: LaneHandlerDeps): (msg: JsMsg, lane: DeliveryLane) => Promise<void> {
  return async (msg, lane) => {
    // A task of WAITING not due yet is turned back on its header alone: neither decoded nor counted as work.
    if (lane === 'waiting') {
      const wait = notDueFor(msg.headers?.get(NOT_BEFORE_HEADER) || undefined, deps.now());
      if (wait !== undefined) {
        msg.nak(wait);
        return;
      }
    }
    const decoded = decodeMessage(DeliveryTask, msg);
    if (!decoded.ok) {
      await deps.deadLetters[lane].terminate(msg, decoded.reason, decoded.problem);
      return;
    }
    const source: TaskSource = {
      lane,
      settled: () => deps.publishers.ack(msg),
      nak: (delayMs) => msg.nak(delayMs),
      working: () => msg.working(),
    };
    await deps.path.deliver(decoded.value, source, traceContextFromHeaders(msg.headers));
  };
}
