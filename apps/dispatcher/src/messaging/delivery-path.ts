// The delivery path: one task in, at most one HTTP attempt out, settled before its message is acknowledged.
// The same steps serve a task straight from the fan-out (`inline`), from DELIVERIES (`due`) and from WAITING
// (`waiting`); only where a task waits and when its message is acknowledged differ, and the source says that.
//
//   deliver → route (due? callback? held?) → claim a slot → ask the circuit → ask the rate limit → attempt → settle
//   (records, retry, circuit, operational events)
import {
  buildWebhookRequest,
  messageLinkOf,
  raisesOperationalEvents,
  type CallbackState,
  type DeliveryTask,
  type DisableCause,
  type OperationalEventData,
  type OperationalEventType,
} from '@hookmesh/contracts';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { SpanKind, SpanStatusCode, context, isSpanContextValid, propagation, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Logger } from 'pino';
import { attemptRecord, createdRecord, heldRecord } from '../domain/audit-records';
import type { BodyCache } from '../domain/body-cache';
import type { CallbackSlots } from '../domain/callback-slots';
import type { CallbackCredentials } from '../domain/credentials';
import type { DeliveryPlan, DeliveryPlanner } from '../domain/delivery-plan';
import type { LocalDisables } from '../domain/local-disables';
import { MIN_IN_LINE_WINDOW_MS, type Turns } from '../domain/turns';
import { parseRetryAfter } from '../domain/retry-after';
import { routeTask } from '../domain/route';
import { errorClassOfStatus, isSuccessStatus, settleAttempt, type AttemptResult, type Settlement } from '../domain/settlement';
import { MIN_WAIT_MS, recheckDelayMs, spreadDelay } from '../domain/waits';
import type { DispatcherMetrics } from '../metrics';
import type { WebhookClient } from '../outbound/webhook-client';
import type { CircuitStore } from './circuit-store';
import type { DispatcherPublishers } from './publishers';
import type { RateLimits, RateWindow } from './rate-limits';

/**
 * Where a task came from, and so how it waits and when it is done. `inline`: attempted straight from the fan-out,
 * whose event is acknowledged once all its deliveries are settled or stored as tasks; `due` and `waiting`: a message
 * of DELIVERIES or WAITING, acknowledged once the task is settled; `ordered`: the head of an ordered (callback, key),
 * which keeps its own next task (`keep`) so nothing behind it can overtake it.
 */
export interface TaskSource {
  readonly lane: 'inline' | 'due' | 'waiting' | 'ordered';
  /**
   * The lane keeps the task's next state itself (a retry, or the same task waiting until its not_before) instead of
   * the path storing it on WAITING; the current task is then not settled.
   */
  keep?(next: DeliveryTask): Promise<void>;
  /** The task is settled (its records and any next task are stored): acknowledge its message. */
  settled(): void;
  /** Offer the message again after `delayMs` (the lanes only). */
  nak(delayMs: number): void;
  /** Keep the message ours during a long attempt (resets ack_wait). */
  working(): void;
}

/** Delivery behaviour from configuration (each callback's schedule and timeout come from the planner). */
export interface DeliverySettings {
  /** Delays before each attempt when a callback's profile is not known here yet (HOOKMESH_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** Longest wait a Retry-After can impose. */
  retryAfterMaxMs: number;
  /** How often a held delivery looks again. */
  holdRecheckMs: number;
  /** How soon a delivery whose callback (or account) is at its concurrency limit is offered again. */
  busyRecheckMs: number;
  /** How often a running attempt tells JetStream it is still working. */
  progressIntervalMs: number;
}

export interface DeliveryPathDeps {
  view: SubscriptionView;
  localDisables: LocalDisables;
  circuits: CircuitStore;
  /** Attempts at once per callback. */
  slots: CallbackSlots;
  /** Attempts at once per account: one account's backlog cannot take every slot of the process. */
  accountSlots: CallbackSlots;
  /** The expected turns of tasks whose callback is busy: a long wait is parked on WAITING, not kept in line. */
  turns: Turns;
  /** The slots per callback and per account (what the turns are spaced by). */
  limits: { perCallback: number; perAccount: number };
  planner: DeliveryPlanner;
  /** Per-callback rate limits, shared by the replicas. */
  rates: RateLimits;
  bodies: BodyCache;
  credentialsOf(callback: CallbackState, now: Date): CallbackCredentials;
  client: WebhookClient;
  publishers: DispatcherPublishers;
  metrics: DispatcherMetrics;
  log: Logger;
  tracer: Tracer;
  settings: DeliverySettings;
  now: () => Date;
  random: () => number;
}

/** What an attempt produced, ready for its audit record. */
interface AttemptReport {
  result: AttemptResult;
  url: string;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
}

/** An operational event a circuit change raises. */
type CircuitEvent = { type: 'callback.circuit_opened' | 'callback.circuit_closed'; extra?: Partial<OperationalEventData> };

/** What settling an attempt changed about its callback. */
type CallbackVerdict = ({ disable: null } | { disable: DisableCause; reason: string; failingSince?: string }) & { circuit?: CircuitEvent };

/** A callback's slot and its account's, taken together and given back together. */
interface Slot {
  release(): void;
}

export interface DeliveryPath {
  /** Delivers one task from `source`; `parent` is the trace context to continue. Throws only when nothing could be stored (the message then comes back). */
  deliver(task: DeliveryTask, source: TaskSource, parent: Context): Promise<void>;
  /**
   * Stores a task of the fan-out without attempting it (its callback is too slow to attempt inline): on DELIVERIES
   * when its turn is near, parked on WAITING until its turn otherwise.
   */
  defer(task: DeliveryTask, source: TaskSource, parent: Context): Promise<void>;
  /** Whether another account than this one has had a task here lately (then the shared parts are shared fairly). */
  othersActive(account: string): boolean;
}

/** How recently another account must have had a task here for a backlog to step aside for it. */
const CONTENTION_WINDOW_MS = 2_000;

/** Builds the delivery path of one dispatcher process. */
export function createDeliveryPath(deps: DeliveryPathDeps): DeliveryPath {
  const { view, publishers, metrics, log, settings } = deps;

  // When each account last had a task here: a backlog steps aside (is parked) only while another account has work.
  const lastSeen = new Map<string, number>();
  function othersActive(account: string, nowMs: number): boolean {
    for (const [other, at] of lastSeen) {
      if (nowMs - at > CONTENTION_WINDOW_MS) lastSeen.delete(other);
      else if (other !== account) return true;
    }
    return false;
  }

  async function deliver(task: DeliveryTask, source: TaskSource, parent: Context): Promise<void> {
    const now = deps.now();
    lastSeen.set(task.account, now.getTime());
    const route = routeTask(task, {
      callback: view.callback(task.account, task.callback_id),
      disabledHere: deps.localDisables.isDisabled(task.account, task.callback_id),
      hold: view.activeHold(task.account, task.event.message_type, now),
      now,
      holdRecheckMs: settings.holdRecheckMs,
    });
    switch (route.kind) {
      case 'not_due':
        return waitFor(task, source, route.delayMs);
      case 'unattempted':
        return settleUnattempted(task, source, route.url, route.reason);
      case 'held':
        return waitAnnounced(task, source, 'hold', route.delayMs);
      case 'attempt':
        break;
    }
    const slot = await claimSlot(task, source);
    if (slot === null) {
      metrics.turnedAway.inc({ lane: source.lane });
      return comeBackSoon(task, source);
    }
    try {
      const admission = await deps.circuits.admit(task.account, task.callback_id);
      if (admission.kind === 'open') return await waitAnnounced(task, source, 'circuit_open', admission.retryInMs);
      // Above the rate limit the task waits unannounced (it is neither held nor failing) and spends no attempt.
      const rate = await deps.rates.admit(route.callback);
      if (!rate.allowed) {
        if (admission.kind === 'probe') await deps.circuits.releaseProbe(task.account, task.callback_id).catch(() => undefined);
        metrics.rateLimited.inc();
        return await waitFor(task, source, rate.retryInMs);
      }
      let outcome: 'attempted' | 'window_closed';
      try {
        outcome = await attemptAndSettle(task, route.callback, source, parent, slot, rate.window);
      } catch (error) {
        if (admission.kind === 'probe') await deps.circuits.releaseProbe(task.account, task.callback_id).catch(() => undefined);
        throw error;
      }
      if (outcome === 'window_closed' && rate.window !== undefined) {
        // Its window closed while it waited for a connection: nothing was sent, and it waits for a later window.
        if (admission.kind === 'probe') await deps.circuits.releaseProbe(task.account, task.callback_id).catch(() => undefined);
        metrics.rateLimited.inc();
        return await waitFor(task, source, Math.max(0, rate.window.endsAt - deps.now().getTime()) + Math.floor(deps.random() * 100));
      }
    } finally {
      slot.release();
    }
  }

  /**
   * A slot of the callback and of its account. A task may wait in line for them when they will come sooner than
   * `lineWaitMs` allows (else it comes back or is stored, at its turn).
   */
  async function claimSlot(task: DeliveryTask, source: TaskSource): Promise<Slot | null> {
    // The callback's slot first, the account's only once it is ours: a task waiting in its callback's line must not
    // hold one of the account's slots meanwhile, or a busy callback's line fills the account's share and every
    // other task of the account is turned away (and comes back, and is turned away again). A task on a lane waits
    // in line for the account's slot as for the callback's, rather than going back to JetStream at once.
    const callbackKey = keyOf(task);
    const maxWaitMs = lineWaitMs(task.account, source);
    const releaseCallback = await deps.slots.acquire(callbackKey, maxWaitMs);
    if (releaseCallback === null) return null;
    const releaseAccount = await deps.accountSlots.acquire(task.account, maxWaitMs);
    if (releaseAccount === null) {
      releaseCallback();
      return null;
    }
    deps.turns.started(callbackKey, task.account);
    return {
      release() {
        releaseCallback();
        releaseAccount();
        // Drained: whatever was counted as queued for it (tasks held or dropped meanwhile included) is not ahead.
        if (deps.slots.inUse(callbackKey) === 0) deps.turns.idle(callbackKey);
      },
    };
  }

  /**
   * How long a task may wait in line for a slot, holding a worker meanwhile (and, from the fan-out, its event). A
   * task of WAITING: as long as a recheck would take to bring it back. One of the fan-out or of DELIVERIES, whose
   * workers every account shares: while no other account has work, as long too (from the fan-out, a backlog then
   * waits in EVENTS, where it is stored already, instead of costing a task store, a consume and an ack more per
   * delivery); while another has, only a fast endpoint's short line (MIN_IN_LINE_WINDOW_MS), so a busy callback's
   * tasks do not hold those workers in front of other accounts' tasks but step aside to their turn.
   */
  function lineWaitMs(account: string, source: TaskSource): number {
    if (source.lane === 'waiting' || !othersActive(account, deps.now().getTime())) return settings.busyRecheckMs;
    return MIN_IN_LINE_WINDOW_MS;
  }

  /**
   * Makes the HTTP attempt inside its client span, then settles it: records and next task stored before the ack.
   * Within a rate window, an attempt not on the wire by the window's `startBy` is not sent, and nothing is settled.
   */
  async function attemptAndSettle(task: DeliveryTask, callback: CallbackState, source: TaskSource, parent: Context, slot: Slot, window: RateWindow | undefined): Promise<'attempted' | 'window_closed'> {
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
    return await context.with(trace.setSpan(parent, span), async () => {
      try {
        const plan = deps.planner.planOf(callback);
        const report = await sendAttempt(task, callback, plan, span, source, window?.startBy);
        if (report === 'window_closed') {
          span.addEvent('not sent: the rate window closed while the attempt waited for a connection');
          return report;
        }
        // The endpoint is done with this attempt: its slot goes to the next task while this one is recorded, so the
        // bounds limit requests in flight to the customer, not our own bookkeeping after them.
        slot.release();
        const settlement = settleAttempt({
          result: report.result,
          attempt: task.attempt,
          schedule: plan?.schedule ?? settings.schedule,
          retryAfterMaxMs: settings.retryAfterMaxMs,
          random: deps.random,
        });
        await settle(task, source, span, report, settlement);
        return 'attempted';
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Builds, signs and sends the request in the callback's profile; the customer's traceparent is this attempt span's. */
  async function sendAttempt(task: DeliveryTask, callback: CallbackState, plan: DeliveryPlan | undefined, span: Span, source: TaskSource, startBy: number | undefined): Promise<AttemptReport | 'window_closed'> {
    const startedAt = deps.now();
    const base = { url: callback.url, startedAt, latencyMs: 0, statusCode: null, responseExcerpt: null };
    if (plan === undefined) {
      // The profile is on its way through the subscription state (or was removed meanwhile): retried, not guessed.
      return { ...base, result: { kind: 'error', errorClass: 'other' }, errorMessage: `could not prepare the request: profile ${JSON.stringify(callback.profile)} is not known here` };
    }
    let request;
    try {
      const credentials = deps.credentialsOf(callback, startedAt);
      const event = { ...task.event, account: task.account, ingested_at: task.ingested_at };
      const target = { id: callback.id, url: callback.url, token: credentials.token, signed: callback.signed };
      request = buildWebhookRequest({
        profile: plan.profile,
        event,
        callback: target,
        deliveryId: task.delivery_id,
        // The attempt number restarts at 1 in each redelivery series; the profile's redelivery header tells them apart.
        attempt: task.attempt,
        series: task.series,
        sequence: task.sequence,
        keys: credentials.keys,
        now: startedAt,
        traceparent: traceparentOf(span),
        body: deps.bodies.bodyOf({ profile: plan.profile, event, callback: target, thin: deps.planner.thinOf(task.event.message_type) }),
      });
    } catch (error) {
      // A secret we cannot open (key missing from HOOKMESH_SECRETS_KEY) may open after a configuration fix: retried.
      return { ...base, result: { kind: 'error', errorClass: 'other' }, errorMessage: `could not prepare the request: ${(error as Error).message}` };
    }

    metrics.inFlight.inc();
    // A long attempt keeps its message ours: working() resets ack_wait, so no other worker sends it again.
    const progress = setInterval(() => source.working(), settings.progressIntervalMs);
    try {
      // Tracing is suppressed for the request itself: this span is the HTTP client span, and the undici
      // instrumentation must neither add a second span nor a second traceparent header.
      const sent = await context.with(suppressTracing(context.active()), () =>
        deps.client.send({ url: callback.url, headers: request.headers, body: request.body, timeoutMs: plan.timeoutMs, startBy }),
      );
      if (sent.kind === 'window_closed') return sent.kind;
      if (sent.kind === 'error') {
        span.setAttribute('error.type', sent.errorClass);
        return { ...base, latencyMs: sent.latencyMs, result: { kind: 'error', errorClass: sent.errorClass }, errorMessage: sent.message };
      }
      span.setAttribute('http.response.status_code', sent.status);
      return {
        ...base,
        latencyMs: sent.latencyMs,
        statusCode: sent.status,
        responseExcerpt: sent.excerpt,
        result: { kind: 'response', status: sent.status, retryAfterMs: parseRetryAfter(headerValue(sent.headers['retry-after']), deps.now()) },
        errorMessage: isSuccessStatus(sent.status) ? null : statusMessage(sent.status, headerValue(sent.headers['location'])),
      };
    } finally {
      clearInterval(progress);
      metrics.inFlight.dec();
    }
  }

  /** Stores what the attempt led to (its record, the next task, a disable), then lets the source acknowledge it. */
  async function settle(task: DeliveryTask, source: TaskSource, span: Span, report: AttemptReport, settlement: Settlement): Promise<void> {
    const settledAt = deps.now();
    const nextAttemptAt = settlement.outcome === 'retrying' ? new Date(settledAt.getTime() + settlement.delayMs) : null;
    const verdict = await updateCircuit(task, settlement, report);
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
          // Straight from the fan-out, this record is also the delivery's first.
          createdAt: source.lane === 'inline' ? new Date(task.ingested_at) : null,
        }),
      ),
    ];
    if (nextAttemptAt !== null) {
      // A retry is a new message (attempt + 1, not_before) that waits on WAITING (or in its ordered lane); its
      // traceparent is this span.
      const next: DeliveryTask = { ...task, attempt: task.attempt + 1, not_before: nextAttemptAt.toISOString(), waiting: undefined };
      stored.push(source.keep ? source.keep(next) : publishers.toWaiting(next));
    }
    if (verdict.disable !== null) stored.push(disableCallback(task, verdict, settledAt, report));
    if (verdict.circuit !== undefined) stored.push(raise(verdict.circuit.type, task, report, settledAt, verdict.circuit.extra));
    if (settlement.outcome === 'failed') stored.push(raise('delivery.failed', task, report, settledAt));
    await Promise.all(stored);
    if (nextAttemptAt === null || source.keep === undefined) source.settled();

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
  }

  /**
   * Feeds the attempt into the callback's shared circuit and says whether to disable the callback. The circuit is a
   * protection, not a record: when its bucket cannot be written the attempt still settles (logged).
   */
  async function updateCircuit(task: DeliveryTask, settlement: Settlement, report: AttemptReport): Promise<CallbackVerdict> {
    if (settlement.outcome === 'failed' && settlement.disableCallback) return { disable: 'gone', reason: 'endpoint answered 410 Gone' };
    try {
      if (settlement.outcome === 'delivered') {
        const { closed } = await deps.circuits.recordSuccess(task.account, task.callback_id);
        return closed ? { disable: null, circuit: { type: 'callback.circuit_closed' } } : { disable: null };
      }
      const run = await deps.circuits.recordFailure(task.account, task.callback_id, { statusCode: report.statusCode, error: report.errorMessage });
      if (run.opened) log.info({ account: task.account, callback_id: task.callback_id, failures: run.record.consecutive_failures }, 'circuit opened');
      const circuit: CircuitEvent | undefined = run.opened
        ? { type: 'callback.circuit_opened', extra: { attempts: run.record.consecutive_failures, ...(run.record.closes_at === null ? {} : { circuit_closes_at: run.record.closes_at }) } }
        : undefined;
      if (run.disable) return { disable: 'failing', reason: `every attempt failed since ${run.record.failing_since}`, failingSince: run.record.failing_since, ...(circuit ? { circuit } : {}) };
      if (circuit !== undefined) return { disable: null, circuit };
    } catch (error) {
      log.warn({ err: error, account: task.account, callback_id: task.callback_id }, 'could not update the callback\'s circuit');
    }
    return { disable: null };
  }

  /**
   * Tells the operator (an operational event of the reserved account, fanned out to its callbacks). Never about the
   * operator's own callbacks: their failures would raise events about themselves, without end.
   */
  async function raise(type: OperationalEventType, task: DeliveryTask, report: AttemptReport | null, at: Date, extra: Partial<OperationalEventData> = {}): Promise<void> {
    if (!raisesOperationalEvents(task.account)) return;
    const callback = view.callback(task.account, task.callback_id);
    const data: OperationalEventData = {
      account: task.account,
      callback_id: task.callback_id,
      url: report?.url ?? callback?.url ?? null,
      message_type: task.event.message_type,
      delivery_id: task.delivery_id,
      last_status_code: report?.statusCode ?? null,
      last_error: report?.errorMessage ?? null,
      attempts: task.attempt,
      message_link: messageLinkOf(task.account, task.event.message_id),
      ...extra,
      at: at.toISOString(),
    };
    await publishers.operationalEvent(type, data, at);
    metrics.operationalEvents.inc({ type });
  }

  /** Stops delivering to the callback here at once and asks the subscription-service (CONTROL) to disable it. */
  async function disableCallback(task: DeliveryTask, verdict: Exclude<CallbackVerdict, { disable: null }>, at: Date, report: AttemptReport): Promise<void> {
    deps.localDisables.disable(task.account, task.callback_id, at);
    await deps.circuits.forget(task.account, task.callback_id).catch(() => undefined);
    metrics.callbacksDisabled.inc({ reason: verdict.disable });
    // The operator-visible event: a callback leaves service.
    log.warn({ callback_id: task.callback_id, account: task.account, reason: verdict.reason }, 'disabling callback');
    await publishers.controlCommand({
      command: 'disable_callback',
      account: task.account,
      callback_id: task.callback_id,
      reason: verdict.reason,
      cause: verdict.disable,
      ...(verdict.failingSince === undefined ? {} : { failing_since: verdict.failingSince }),
      // The subscription-service tells the operator (callback.disabled) once the disable is stored.
      last_attempt: {
        delivery_id: task.delivery_id,
        message_id: task.event.message_id,
        message_type: task.event.message_type,
        attempt: task.attempt,
        status_code: report.statusCode,
        error: report.errorMessage,
      },
      at: at.toISOString(),
    });
  }

  /**
   * Settles a delivery without sending it (deleted or disabled callback): an attempt record with outcome failed,
   * status_code null, error_class other. Failed rather than dropped, so it stays recoverable.
   */
  async function settleUnattempted(task: DeliveryTask, source: TaskSource, url: string, reason: string): Promise<void> {
    const now = deps.now();
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
        createdAt: source.lane === 'inline' ? new Date(task.ingested_at) : null,
      }),
    );
    source.settled();
    metrics.deliveries.inc({ outcome: 'failed' });
    log.info({ delivery_id: task.delivery_id, callback_id: task.callback_id, account: task.account, attempt: task.attempt, reason }, 'delivery settled without an attempt');
  }

  /**
   * Lets a task wait without an attempt (a held type, an open circuit), announced on AUDIT once when the wait begins.
   * The task remembers the announcement, so no dispatcher announces it again while it waits.
   */
  async function waitAnnounced(task: DeliveryTask, source: TaskSource, reason: 'hold' | 'circuit_open', delayMs: number): Promise<void> {
    if (task.waiting === reason) return waitFor(task, source, delayMs);
    const now = deps.now();
    const wait = Math.max(MIN_WAIT_MS, delayMs);
    await publishers.auditRecord(heldRecord(task, reason, now, new Date(now.getTime() + wait)));
    metrics.held.inc({ reason });
    log.debug({ delivery_id: task.delivery_id, callback_id: task.callback_id, reason }, 'delivery held');
    await store(task, source, { ...task, waiting: reason, not_before: new Date(now.getTime() + wait).toISOString() }, 'waiting');
  }

  /** Lets a task wait `delayMs`: kept by an ordered lane, nak'ed on WAITING, stored there from anywhere else. */
  async function waitFor(task: DeliveryTask, source: TaskSource, delayMs: number): Promise<void> {
    const wait = Math.max(MIN_WAIT_MS, delayMs);
    if (source.keep !== undefined) {
      await source.keep({ ...task, not_before: new Date(deps.now().getTime() + wait).toISOString() });
      return;
    }
    if (source.lane === 'waiting') {
      source.nak(wait);
      return;
    }
    await store(task, source, { ...task, not_before: new Date(deps.now().getTime() + wait).toISOString() }, 'waiting');
  }

  /**
   * Its callback or account is at its limit. A task whose turn is near waits on DELIVERIES (from the fan-out) or
   * comes back shortly; one whose turn is further off is parked on WAITING until then, so it neither sits in front of
   * other accounts' tasks on DELIVERIES nor holds a worker in line. An ordered lane keeps its head itself.
   */
  async function comeBackSoon(task: DeliveryTask, source: TaskSource): Promise<void> {
    if (source.keep !== undefined) return waitFor(task, source, spreadDelay(settings.busyRecheckMs, deps.random));
    // A task of WAITING (a parked one came due, say) waits there anyway: it looks again after a recheck.
    if (source.lane === 'waiting') {
      source.nak(spreadDelay(settings.busyRecheckMs, deps.random));
      return;
    }
    if (!othersActive(task.account, deps.now().getTime())) {
      // No other account waits behind it: from the fan-out it waits on DELIVERIES; one of DELIVERIES looks again
      // after a recheck.
      return recheckOnDeliveries(task, source);
    }
    // It takes its place in its callback's and account's queue, so the tasks turned away after it see it ahead of
    // them (those rechecking on DELIVERIES included: uncounted, every later task would find its turn near too, and
    // the rechecks would pile up on DELIVERIES, each one ack-pending there until it comes back).
    const callbackKey = keyOf(task);
    const averageHoldMs = deps.slots.averageHoldMs(callbackKey);
    const turnInMs = deps.turns.join({
      callbackKey,
      account: task.account,
      inLine: deps.slots.inLine(callbackKey),
      callbackTurnMs: averageHoldMs === undefined ? undefined : averageHoldMs / deps.limits.perCallback,
      accountTurnMs: averageHoldMs === undefined ? undefined : averageHoldMs / deps.limits.perAccount,
    });
    if (turnInMs < deps.turns.inLineWindowMs(averageHoldMs)) return recheckOnDeliveries(task, source, turnInMs);
    metrics.parked.inc();
    await store(task, source, { ...task, not_before: new Date(deps.now().getTime() + turnInMs).toISOString() }, 'waiting');
  }

  /**
   * A task whose turn is near: one of DELIVERIES comes back after a recheck, one of the fan-out is stored there.
   * With its turn estimated (another account has work), it comes back about then rather than after a whole recheck:
   * a task a moment from its slot that was turned away only because its short line outlasted a pause of the process
   * must not pay 250–750 ms for it.
   */
  async function recheckOnDeliveries(task: DeliveryTask, source: TaskSource, turnInMs?: number): Promise<void> {
    if (source.lane === 'due') {
      source.nak(spreadDelay(recheckDelayMs(turnInMs, settings.busyRecheckMs), deps.random));
      return;
    }
    await store(task, source, task, 'due');
  }

  /**
   * Stores `next` on a lane in place of `task` and settles the source. A task straight from the fan-out gets its
   * delivery_created record here (an inline attempt's first record stands for it otherwise). A crash between the
   * store and the ack leaves a copy in each place: at least once, never lost.
   */
  async function store(task: DeliveryTask, source: TaskSource, next: DeliveryTask, lane: 'due' | 'waiting'): Promise<void> {
    if (source.keep !== undefined) {
      await source.keep(next);
      return;
    }
    const stored: Array<Promise<unknown>> = [lane === 'due' ? publishers.toDue(next) : publishers.toWaiting(next)];
    if (source.lane === 'inline') stored.push(publishers.auditRecord(createdRecord(task, new Date(task.ingested_at), traceIdOf(context.active()))));
    await Promise.all(stored);
    if (source.lane === 'due' && lane === 'waiting') metrics.movedToWaiting.inc();
    if (source.lane === 'inline') metrics.tasksPublished.inc();
    source.settled();
  }

  async function defer(task: DeliveryTask, source: TaskSource, parent: Context): Promise<void> {
    lastSeen.set(task.account, deps.now().getTime());
    await context.with(parent, () => comeBackSoon(task, source));
  }

  return { deliver, defer, othersActive: (account) => othersActive(account, deps.now().getTime()) };
}

function keyOf(task: DeliveryTask): string {
  return `${task.account}/${task.callback_id}`;
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

function traceIdOf(active: Context): string | null {
  const spanContext = trace.getSpanContext(active);
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : null;
}
