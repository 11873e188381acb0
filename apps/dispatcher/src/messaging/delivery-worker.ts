// The delivery loop: one task in (from DELIVERIES or WAITING), at most one HTTP attempt out, settled before the ack.
// Reads top to bottom like the steps it takes (style.md: Svix's worker.rs).
import { DeliveryTask, buildWebhookRequest, type CallbackState, type DeliveryHeldRecord, type SealingKey } from '@hookmesh/contracts';
import { decodeMessage, traceContextFromHeaders, type DeadLetters, type JsMsg } from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { SpanKind, SpanStatusCode, context, isSpanContextValid, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Logger } from 'pino';
import { attemptRecord, heldRecord } from '../domain/audit-records';
import type { CallbackSlots } from '../domain/callback-slots';
import type { CircuitBreaker } from '../domain/circuit-breaker';
import type { BodyCache } from '../domain/body-cache';
import { createCredentialsCache } from '../domain/credentials';
import type { DeliveryPlan, DeliveryPlanner } from '../domain/delivery-plan';
import type { HeldDeliveries } from '../domain/held-deliveries';
import type { LocalDisables } from '../domain/local-disables';
import { parseRetryAfter } from '../domain/retry-after';
import { errorClassOfStatus, isSuccessStatus, settleAttempt, type AttemptResult, type Settlement } from '../domain/settlement';
import { MIN_WAIT_MS, holdRecheckDelay, millisUntil, spreadDelay } from '../domain/waits';
import type { DispatcherMetrics } from '../metrics';
import type { WebhookClient } from '../outbound/webhook-client';
import type { DispatcherPublishers } from './publishers';

/** Delivery behaviour from configuration (schedules and timeouts come per callback from the planner). */
export interface DeliverySettings {
  /** Delays before each attempt when a callback's profile is not known here yet (HOOKMESH_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** Longest wait a Retry-After can impose. */
  retryAfterMaxMs: number;
  /** How often a held delivery looks again. */
  holdRecheckMs: number;
  /** How soon a delivery whose callback is at its concurrency limit is offered again. */
  busyRecheckMs: number;
  /** How often a running attempt tells JetStream it is still working (resets ack_wait). */
  progressIntervalMs: number;
}

export interface DeliveryWorkerDeps {
  view: SubscriptionView;
  localDisables: LocalDisables;
  circuit: CircuitBreaker;
  slots: CallbackSlots;
  held: HeldDeliveries;
  client: WebhookClient;
  /** Each callback's profile, schedule and timeout, and each type's thin mapping. */
  planner: DeliveryPlanner;
  bodies: BodyCache;
  publishers: DispatcherPublishers;
  metrics: DispatcherMetrics;
  /** Where a message that is not a DeliveryTask is kept before it is terminated, per lane (DELIVERIES, WAITING). */
  deadLetters: Record<DeliveryLane, DeadLetters>;
  log: Logger;
  tracer: Tracer;
  settings: DeliverySettings;
  secretsKeys: readonly SealingKey[];
  now: () => Date;
  random: () => number;
}

/** What an attempt produced, ready for the audit record. */
interface AttemptReport {
  result: AttemptResult;
  url: string;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
}

/**
 * Which consumer a task came from: DELIVERIES holds tasks that are due, WAITING those that wait (a task waits there
 * by nak; one that finds on DELIVERIES that it must wait moves to WAITING).
 */
export type DeliveryLane = 'due' | 'waiting';

/** Returns the handler of both delivery consumers (run by runConsumer with the overall concurrency each). */
export function createDeliveryWorker(deps: DeliveryWorkerDeps): (msg: JsMsg, lane: DeliveryLane) => Promise<void> {
  const { view, localDisables, circuit, slots, held, publishers, metrics, log, settings } = deps;
  const credentialsOf = createCredentialsCache(deps.secretsKeys);

  return async function deliver(msg: JsMsg, lane: DeliveryLane): Promise<void> {
    const decoded = decodeMessage(DeliveryTask, msg);
    if (!decoded.ok) {
      await deps.deadLetters[lane].terminate(msg, decoded.reason, decoded.problem);
      return;
    }
    const task = decoded.value;
    const now = deps.now();

    // 1. Not due yet: JetStream keeps the schedule (nak with the remaining delay on WAITING), never a timer in this process.
    const wait = millisUntil(task.not_before, now);
    if (wait > 0) {
      await waitFor(msg, lane, task, wait);
      return;
    }

    // 2. The live view says where to and whether at all, so a new URL, a rotated secret or a disable applies to pending retries.
    const callback = view.callback(task.account, task.callback_id);
    if (callback === undefined) {
      await settleWithoutAttempt(msg, task, '', 'callback deleted; not attempted');
      return;
    }
    if (callback.status !== 'active' || localDisables.isDisabled(task.account, task.callback_id)) {
      // Settled as failed, not dropped: audit's recover redelivers failed deliveries once the callback is re-enabled.
      await settleWithoutAttempt(msg, task, callback.url, 'callback disabled; not attempted');
      return;
    }

    // 3. A held message type waits without an attempt and flows again soon after the hold is released.
    const hold = view.activeHold(task.account, task.event.message_type, now);
    if (hold !== undefined) {
      await waitWithoutAttempt(msg, lane, task, 'hold', holdRecheckDelay(hold, now, settings.holdRecheckMs));
      return;
    }
    held.release(heldKey(task, 'hold'));

    // 4. A callback at its concurrency limit: wait in line when its attempts are quick enough that a slot comes before
    // a recheck would; otherwise offer the task again shortly, leaving this overall slot to other callbacks.
    const circuitKey = `${task.account}/${task.callback_id}`;
    const releaseSlot = await slots.acquire(circuitKey, settings.busyRecheckMs);
    if (releaseSlot === null) {
      msg.nak(spreadDelay(settings.busyRecheckMs, deps.random));
      return;
    }
    try {
      // 5. An open circuit waits out its cool-down without an attempt; then one probe goes through.
      const admission = circuit.admit(circuitKey);
      if (!admission.allowed) {
        await waitWithoutAttempt(msg, lane, task, 'circuit_open', admission.retryInMs);
        return;
      }
      held.release(heldKey(task, 'circuit_open'));
      try {
        // 6. Attempt, settle, record, ack.
        await attemptAndSettle(msg, task, callback, circuitKey, releaseSlot);
      } catch (error) {
        circuit.release(circuitKey, admission);
        throw error;
      }
    } finally {
      releaseSlot();
    }
  };

  /** Makes the HTTP attempt inside its client span, then settles it: next task and audit record stored before the ack. */
  async function attemptAndSettle(msg: JsMsg, task: DeliveryTask, callback: CallbackState, circuitKey: string, releaseSlot: () => void): Promise<void> {
    const parent = traceContextFromHeaders(msg.headers);
    const span = deps.tracer.startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'POST',
          ...urlAttributes(callback.url),
          'hookmesh.callback_id': task.callback_id,
          'hookmesh.delivery_id': task.delivery_id,
          'hookmesh.attempt': task.attempt,
          'hookmesh.series': task.series,
          'hookmesh.message_type': task.event.message_type,
        },
      },
      parent,
    );
    await context.with(trace.setSpan(parent, span), async () => {
      try {
        const plan = deps.planner.planOf(callback);
        const report = await sendAttempt(msg, task, callback, plan, span);
        // The endpoint is done with this attempt: its slot goes to the next task while this one is recorded, so the
        // per-callback bound limits requests in flight to the customer, not our own bookkeeping after them.
        releaseSlot();
        const settlement = settleAttempt({
          result: report.result,
          attempt: task.attempt,
          schedule: plan?.schedule ?? settings.schedule,
          retryAfterMaxMs: settings.retryAfterMaxMs,
          random: deps.random,
        });
        const settledAt = deps.now();
        const nextAttemptAt = settlement.outcome === 'retrying' ? new Date(settledAt.getTime() + settlement.delayMs) : null;
        const disableReason = updateCircuit(circuitKey, settlement, report);
        const spanContext = span.spanContext();

        const stored: Array<Promise<unknown>> = [
          publishers.auditRecord(
            attemptRecord(task, {
              url: report.url,
              startedAt: report.startedAt,
              latencyMs: report.latencyMs,
              statusCode: report.statusCode,
              outcome: settlement.outcome,
              errorClass: errorClassOf(report.result),
              errorMessage: report.errorMessage,
              responseExcerpt: report.responseExcerpt,
              nextAttemptAt,
              traceId: isSpanContextValid(spanContext) ? spanContext.traceId : null,
            }),
          ),
        ];
        if (nextAttemptAt !== null) {
          // A retry is a new message (attempt + 1, not_before); its traceparent is this span, so the trace goes on.
          stored.push(publishers.deliveryTask({ ...task, attempt: task.attempt + 1, not_before: nextAttemptAt.toISOString() }));
        }
        if (disableReason !== undefined) stored.push(disableCallback(task, disableReason, settledAt));
        await Promise.all(stored);
        publishers.ack(msg);

        metrics.deliveries.inc({ outcome: settlement.outcome });
        metrics.attemptDuration.observe({ outcome: settlement.outcome }, report.latencyMs / 1000);
        if (settlement.outcome === 'retrying') metrics.retries.inc();
        span.setAttribute('hookmesh.outcome', settlement.outcome);
        if (settlement.outcome !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR, message: report.errorMessage ?? undefined });
        const line = {
          delivery_id: task.delivery_id,
          callback_id: task.callback_id,
          account: task.account,
          attempt: task.attempt,
          status_code: report.statusCode,
          outcome: settlement.outcome,
          error_class: errorClassOf(report.result),
          latency_ms: report.latencyMs,
        };
        if (settlement.outcome === 'failed') log.info(line, 'delivery failed');
        else log.debug(line, 'delivery attempt settled');
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Builds, signs and sends the request in the callback's profile; the customer's traceparent is this attempt span's context. */
  async function sendAttempt(msg: JsMsg, task: DeliveryTask, callback: CallbackState, plan: DeliveryPlan | undefined, span: Span): Promise<AttemptReport> {
    const startedAt = deps.now();
    const base = { url: callback.url, startedAt, latencyMs: 0, statusCode: null, responseExcerpt: null };
    if (plan === undefined) {
      // The profile is on its way through the subscription state (or was removed meanwhile): retried, not guessed.
      return { ...base, result: { kind: 'error', errorClass: 'other' }, errorMessage: `could not prepare the request: profile ${JSON.stringify(callback.profile)} is not known here` };
    }
    let request;
    try {
      const credentials = credentialsOf(callback, startedAt);
      const event = { ...task.event, account: task.account, ingested_at: task.ingested_at };
      const target = { id: callback.id, url: callback.url, token: credentials.token, signed: callback.signed };
      request = buildWebhookRequest({
        profile: plan.profile,
        event,
        callback: target,
        deliveryId: task.delivery_id,
        attempt: task.attempt,
        // The attempt number restarts at 1 in each redelivery series; the profile's redelivery header tells them apart.
        series: task.series,
        keys: credentials.keys,
        now: startedAt,
        traceparent: traceparentOf(span),
        body: deps.bodies.bodyOf({ profile: plan.profile, event, callback: target, thin: deps.planner.thinOf(task.event.message_type) }),
      });
    } catch (error) {
      // A secret we cannot open (key missing from HOOKMESH_SECRETS_KEY) may open after a configuration fix: retried.
      return { ...base, result: { kind: 'error', errorClass: 'other' }, errorMessage: `could not prepare the request: ${(error as Error).message}` };
    }

    const timeoutMs = plan.timeoutMs;
    metrics.inFlight.inc();
    // A long attempt keeps its message ours: working() resets ack_wait, so no other worker sends it again.
    const progress = setInterval(() => msg.working(), settings.progressIntervalMs);
    try {
      // Tracing is suppressed for the request itself: this span is the HTTP client span, and the undici
      // instrumentation must neither add a second span nor a second traceparent header.
      const sent = await context.with(suppressTracing(context.active()), () =>
        deps.client.send({ url: callback.url, headers: request.headers, body: request.body, timeoutMs }),
      );
      if (sent.kind === 'error') {
        span.setAttribute('error.type', sent.errorClass);
        return { ...base, latencyMs: sent.latencyMs, result: { kind: 'error', errorClass: sent.errorClass }, errorMessage: sent.message };
      }
      span.setAttribute('http.response.status_code', sent.status);
      const retryAfter = headerValue(sent.headers['retry-after']);
      return {
        ...base,
        latencyMs: sent.latencyMs,
        statusCode: sent.status,
        responseExcerpt: sent.excerpt,
        result: { kind: 'response', status: sent.status, retryAfterMs: parseRetryAfter(retryAfter, deps.now()) },
        errorMessage: isSuccessStatus(sent.status) ? null : statusMessage(sent.status, headerValue(sent.headers['location'])),
      };
    } finally {
      clearInterval(progress);
      metrics.inFlight.dec();
    }
  }

  /** Feeds the attempt into the callback's circuit; returns why to disable the callback, if it should be. */
  function updateCircuit(circuitKey: string, settlement: Settlement, report: AttemptReport): string | undefined {
    if (settlement.outcome === 'delivered') {
      circuit.recordSuccess(circuitKey);
      return undefined;
    }
    if (settlement.outcome === 'failed' && settlement.disableCallback) return 'endpoint answered 410 Gone';
    // Data that can never fit says nothing about the endpoint.
    if (report.result.kind === 'error' && report.result.permanent === true) return undefined;
    const run = circuit.recordFailure(circuitKey);
    if (run.disable) return `every attempt failed since ${new Date(run.failingSinceMs).toISOString()}`;
    return undefined;
  }

  /** Stops delivering to the callback here at once and asks the subscription-service (CONTROL) to disable it. */
  async function disableCallback(task: DeliveryTask, reason: string, at: Date): Promise<void> {
    localDisables.disable(task.account, task.callback_id, at);
    circuit.forget(`${task.account}/${task.callback_id}`);
    metrics.callbacksDisabled.inc({ reason: reason.includes('410') ? 'gone' : 'failing' });
    // The operator-visible event of design.md: a callback leaves service.
    log.warn({ callback_id: task.callback_id, account: task.account, reason }, 'disabling callback');
    await publishers.controlCommand({ command: 'disable_callback', account: task.account, callback_id: task.callback_id, reason, at: at.toISOString() });
  }

  /**
   * Settles a delivery without sending it (deleted or disabled callback): an attempt record with outcome failed,
   * status_code null, error_class other, then the ack. Failed rather than dropped, so it stays recoverable.
   */
  async function settleWithoutAttempt(msg: JsMsg, task: DeliveryTask, url: string, reason: string): Promise<void> {
    const now = deps.now();
    held.release(heldKey(task, 'hold'));
    held.release(heldKey(task, 'circuit_open'));
    await publishers.auditRecord(
      attemptRecord(task, {
        url,
        startedAt: now,
        latencyMs: 0,
        statusCode: null,
        outcome: 'failed',
        errorClass: 'other',
        errorMessage: reason,
        responseExcerpt: null,
        nextAttemptAt: null,
        traceId: null,
      }),
    );
    publishers.ack(msg);
    metrics.deliveries.inc({ outcome: 'failed' });
    log.info({ delivery_id: task.delivery_id, callback_id: task.callback_id, account: task.account, attempt: task.attempt, reason }, 'delivery settled without an attempt');
  }

  /** Puts a delivery back to wait (hold or open circuit), not counted as an attempt; announced once when it starts waiting. */
  async function waitWithoutAttempt(msg: JsMsg, lane: DeliveryLane, task: DeliveryTask, reason: DeliveryHeldRecord['reason'], delayMs: number): Promise<void> {
    const key = heldKey(task, reason);
    if (held.markHeld(key)) {
      const now = deps.now();
      try {
        await publishers.auditRecord(heldRecord(task, reason, now, new Date(now.getTime() + delayMs)));
      } catch (error) {
        held.release(key);
        throw error;
      }
      metrics.held.inc({ reason });
      log.debug({ delivery_id: task.delivery_id, callback_id: task.callback_id, reason }, 'delivery held');
    }
    await waitFor(msg, lane, task, delayMs);
  }

  /**
   * Lets a task wait `delayMs`. On WAITING it is nak'ed with the delay. On DELIVERIES it moves to WAITING (stored
   * there with its new not_before, then acked here): a nak'ed task stays un-acked while it waits, and enough of them
   * on DELIVERIES would reach max_ack_pending and stall every other callback's fresh tasks behind one held type or
   * one dead endpoint. A crash between the two leaves a copy in each lane: at least once, never lost.
   */
  async function waitFor(msg: JsMsg, lane: DeliveryLane, task: DeliveryTask, delayMs: number): Promise<void> {
    const wait = Math.max(MIN_WAIT_MS, delayMs);
    if (lane === 'waiting') {
      msg.nak(wait);
      return;
    }
    await publishers.deliveryTask({ ...task, not_before: new Date(deps.now().getTime() + wait).toISOString() });
    publishers.ack(msg);
    metrics.movedToWaiting.inc();
  }
}

/** Span attributes of the target; path only, since a query string may carry a customer's credentials. */
function urlAttributes(raw: string): Record<string, string> {
  try {
    const url = new URL(raw);
    return { 'server.address': url.hostname, 'url.full': `${url.origin}${url.pathname}` };
  } catch {
    return {};
  }
}

function heldKey(task: DeliveryTask, reason: DeliveryHeldRecord['reason']): string {
  return `${task.delivery_id}:${task.series}:${task.attempt}:${reason}`;
}

function errorClassOf(result: AttemptResult) {
  if (result.kind === 'error') return result.errorClass;
  return isSuccessStatus(result.status) ? null : errorClassOfStatus(result.status);
}

function statusMessage(status: number, location: string | undefined): string {
  if (status >= 300 && status < 400) return `HTTP ${status}: redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed`;
  if (status === 410) return 'HTTP 410 Gone: callback disabled';
  return `HTTP ${status}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The W3C traceparent the configured propagator writes for a span; undefined when tracing is off or the span is not valid. */
function traceparentOf(span: Span): string | undefined {
  const carrier: { traceparent?: string } = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier.traceparent;
}
