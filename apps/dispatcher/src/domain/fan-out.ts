// One delivery task (and its delivery_created record) per matching callback of an event.
import {
  deliveryTaskOf,
  type CallbackState,
  type DeliveryCreatedRecord,
  type DeliveryTask,
  type EventRecord,
} from '@hookmesh/contracts';

export interface PlannedDelivery {
  task: DeliveryTask;
  /** Published only when the delivery is stored as a task; an attempt straight from the fan-out records it itself. */
  created: DeliveryCreatedRecord;
}

export interface FanOutInput<C extends Pick<CallbackState, 'id'>> {
  event: EventRecord;
  callbacks: readonly C[];
  now: Date;
  /** Delay before attempt 1 of a callback (its schedule's first entry, usually 0 = at once). */
  firstAttemptDelayMs: (callback: C) => number;
  traceId: string | null;
}

/**
 * Plans the fan-out: series 0, attempt 1, a deterministic delivery id per (message, callback), so running it
 * again after a crash names every task the same and JetStream's de-duplication drops the repeats.
 */
export function planFanOut<C extends Pick<CallbackState, 'id'>>(input: FanOutInput<C>): PlannedDelivery[] {
  const { event, now } = input;
  // A /test event is addressed to the one callback under test, not to every subscriber of its type.
  const targets = event.target_callback_id === undefined ? input.callbacks : input.callbacks.filter((callback) => callback.id === event.target_callback_id);
  return targets.map((callback) => {
    const firstDelayMs = input.firstAttemptDelayMs(callback);
    const notBefore = firstDelayMs > 0 ? new Date(now.getTime() + firstDelayMs).toISOString() : undefined;
    const task: DeliveryTask = deliveryTaskOf(event, callback.id, { series: 0, not_before: notBefore });
    const created: DeliveryCreatedRecord = {
      kind: 'delivery_created',
      delivery_id: task.delivery_id,
      message_id: event.message_id,
      account: event.account,
      callback_id: callback.id,
      message_type: event.message_type,
      series: 0,
      created_at: now.toISOString(),
      trace_id: input.traceId,
    };
    return { task, created };
  });
}
