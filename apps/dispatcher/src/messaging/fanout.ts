// Fan-out: one EVENTS message becomes one delivery per active callback of its account and type. A delivery whose
// callback has a slot free is attempted right here; every other one is stored as a task (DELIVERIES or WAITING).
import { EventRecord, type CallbackState } from '@hookmesh/contracts';
import { decodeMessage, traceContextFromHeaders, type DeadLetters, type JsMsg } from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { SpanKind, SpanStatusCode, context, isSpanContextValid, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { planFanOut, type PlannedDelivery } from '../domain/fan-out';
import type { DeliveryPlanner } from '../domain/delivery-plan';
import type { LocalDisables } from '../domain/local-disables';
import { nextAttemptDelay } from '../domain/retry-schedule';
import type { DispatcherMetrics } from '../metrics';
import type { DeliveryPath, TaskSource } from './delivery-path';
import type { DispatcherPublishers } from './publishers';

export interface FanOutDeps {
  view: SubscriptionView;
  localDisables: LocalDisables;
  publishers: DispatcherPublishers;
  metrics: DispatcherMetrics;
  log: Logger;
  tracer: Tracer;
  /** Each callback's schedule, whose first entry is the delay before attempt 1 (usually 0: at once). */
  planner: Pick<DeliveryPlanner, 'planOf'>;
  /**
   * The delivery path, when this process delivers too: then each delivery that can go out now goes out from here,
   * and is stored as a task only when it must wait or its callback is busy. Without it every delivery is stored.
   */
  path?: DeliveryPath;
  /** Whether a callback's attempts are quick enough to make inline (a slow endpoint would hold the event). */
  quick?: (callback: CallbackState) => boolean;
  /**
   * How many events of one account may be in the fan-out at once with attempts made inline while another account
   * has work (the fan-out's workers are shared: one account's slow attempts must not hold them all). Beyond it, that
   * account's deliveries are stored at their turn. Unbounded when absent.
   */
  perAccountInline?: number;
  /** Where a message that is not an EventRecord is kept before it is terminated. */
  deadLetters: DeadLetters;
  now: () => Date;
  random: () => number;
}

/**
 * Returns the EVENTS message handler. Matching callbacks come from the in-memory view (no database on the hot
 * path). The event is acknowledged only after every delivery of it is settled (attempted and recorded) or stored as
 * a task: a crash part-way re-runs the fan-out, the fixed Nats-Msg-Ids of stored tasks (`<message_id>:<callback_id>`)
 * keep those out, and an attempt made again is a duplicate, never a loss.
 */
export function createFanOutHandler(deps: FanOutDeps): (msg: JsMsg) => Promise<void> {
  const { view, localDisables, publishers, log, tracer } = deps;
  // Events of each account in the fan-out now.
  const inFanOut = new Map<string, number>();

  return async function fanOut(msg: JsMsg): Promise<void> {
    const decoded = decodeMessage(EventRecord, msg);
    if (!decoded.ok) {
      await deps.deadLetters.terminate(msg, decoded.reason, decoded.problem);
      return;
    }
    const event = decoded.value;
    const parent = traceContextFromHeaders(msg.headers);
    await tracer.startActiveSpan(
      `fanout ${event.message_type}`,
      { kind: SpanKind.CONSUMER, attributes: { 'hookmesh.message_id': event.message_id, 'hookmesh.account': event.account, 'hookmesh.message_type': event.message_type } },
      parent,
      async (span) => {
        try {
          const callbacks = view
            .activeCallbacks(event.account, event.message_type)
            .filter((callback) => !localDisables.isDisabled(callback.account, callback.id));
          const byId = new Map(callbacks.map((callback) => [callback.id, callback]));
          const spanContext = span.spanContext();
          const plan = planFanOut({
            event,
            callbacks,
            now: deps.now(),
            firstAttemptDelayMs: (callback) => nextAttemptDelay(deps.planner.planOf(callback)?.schedule ?? [0], 0, deps.random) ?? 0,
            traceId: isSpanContextValid(spanContext) ? spanContext.traceId : null,
          });
          span.setAttribute('hookmesh.deliveries', plan.length);
          const active = context.active();
          const held = (inFanOut.get(event.account) ?? 0) + 1;
          inFanOut.set(event.account, held);
          try {
            const inline = deps.perAccountInline === undefined || held <= deps.perAccountInline || deps.path?.othersActive(event.account) !== true;
            await Promise.all(plan.map((planned) => deliverOrStore(planned, byId.get(planned.task.callback_id), event, msg, active, inline)));
          } finally {
            const left = (inFanOut.get(event.account) ?? 1) - 1;
            if (left === 0) inFanOut.delete(event.account);
            else inFanOut.set(event.account, left);
          }
          publishers.ack(msg);
          log.debug({ message_id: event.message_id, account: event.account, deliveries: plan.length }, 'event fanned out');
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };

  /**
   * Hands a delivery of an ordered callback to its ordered lane, attempts one now when it can go now, else stores it
   * as a task; each with its delivery_created record.
   */
  async function deliverOrStore(
    planned: PlannedDelivery,
    callback: CallbackState | undefined,
    event: EventRecord,
    msg: JsMsg,
    parent: ReturnType<typeof context.active>,
    inline: boolean,
  ): Promise<void> {
    const { task } = planned;
    // The ordered workers read the same rule off the callback state: keyed events stored from ordered_from_seq on.
    if (callback?.ordered === true && callback.ordered_from_seq !== undefined && msg.seq >= callback.ordered_from_seq) {
      if (event.ordering_key !== undefined) {
        const wake = { account: event.account, callback_id: callback.id, message_type: event.message_type, ordering_key: event.ordering_key, event_seq: msg.seq };
        await context.with(parent, () => Promise.all([publishers.wakeOrdered(wake, event.message_id), publishers.auditRecord(planned.created)]));
        deps.metrics.orderedHandoffs.inc({ outcome: 'ordered' });
        return;
      }
      // An ordered callback, an event without a key (none sent, none at its type's pointer): it goes unordered.
      deps.metrics.orderedHandoffs.inc({ outcome: 'unordered_no_key' });
    }
    if (deps.path !== undefined && callback !== undefined && task.not_before === undefined) {
      const source: TaskSource = { lane: 'inline', settled: () => undefined, nak: () => undefined, working: () => msg.working() };
      // A slow endpoint is not attempted here (it would hold the event), nor one of an account holding its share of
      // the fan-out while others have work: its task is stored at its turn.
      if (inline && (deps.quick?.(callback) ?? true)) await deps.path.deliver(task, source, parent);
      else await deps.path.defer(task, source, parent);
      return;
    }
    // publishJson injects the active context (the fan-out span), so every attempt span is its child.
    await context.with(parent, () => Promise.all([task.not_before === undefined ? publishers.toDue(task) : publishers.toWaiting(task), publishers.auditRecord(planned.created)]));
    deps.metrics.tasksPublished.inc();
  }
}
