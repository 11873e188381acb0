// Fan-out: one EVENTS message becomes one DeliveryTask per active callback of its account and type.
import { EventRecord } from '@hookmesh/contracts';
import { decodeMessage, traceContextFromHeaders, type DeadLetters, type JsMsg } from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { SpanKind, SpanStatusCode, isSpanContextValid, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { planFanOut } from '../domain/fan-out';
import type { DeliveryPlanner } from '../domain/delivery-plan';
import type { LocalDisables } from '../domain/local-disables';
import { nextAttemptDelay } from '../domain/retry-schedule';
import type { DispatcherMetrics } from '../metrics';
import type { DispatcherPublishers } from './publishers';

export interface FanOutDeps {
  view: SubscriptionView;
  localDisables: LocalDisables;
  publishers: DispatcherPublishers;
  metrics: DispatcherMetrics;
  /** Where an EVENTS message that is not an EventRecord is kept before it is terminated. */
  deadLetters: DeadLetters;
  log: Logger;
  tracer: Tracer;
  /** Each callback's schedule, whose first entry is the delay before attempt 1 (usually 0: at once). */
  planner: Pick<DeliveryPlanner, 'planOf'>;
  now: () => Date;
  random: () => number;
}

/**
 * Returns the EVENTS message handler. Matching callbacks come from the in-memory view (no database on the hot
 * path); every task and its delivery_created record are published at once (pipelined) and the event is acked
 * only after all of them are stored, so a crash part-way re-runs the fan-out and the fixed Nats-Msg-Ids
 * (`<message_id>:<callback_id>`) keep the repeats out.
 */
export function createFanOutHandler(deps: FanOutDeps): (msg: JsMsg) => Promise<void> {
  const { view, localDisables, publishers, log, tracer } = deps;

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
          const spanContext = span.spanContext();
          const plan = planFanOut({
            event,
            callbacks,
            now: deps.now(),
            firstAttemptDelayMs: (callback) => nextAttemptDelay(deps.planner.planOf(callback)?.schedule ?? [0], 0, deps.random) ?? 0,
            traceId: isSpanContextValid(spanContext) ? spanContext.traceId : null,
          });
          span.setAttribute('hookmesh.deliveries', plan.length);
          // publishJson injects the active context (this span), so every attempt span is its child.
          await Promise.all(plan.flatMap((planned) => [publishers.deliveryTask(planned.task), publishers.auditRecord(planned.created)]));
          deps.metrics.tasksPublished.inc(plan.length);
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
}
