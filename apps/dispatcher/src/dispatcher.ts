// createDispatcher: the subscription view, the fan-out consumer and the delivery workers of one process, wired together.
import { ACCOUNT_PATTERN, raisesOperationalEvents, type NatsNames, type SealingKey } from '@hookmesh/contracts';
import type { Resolver } from '@hookmesh/egress';
import {
  consumerLag,
  jetstream,
  jetstreamManager,
  openKv,
  runConsumer,
  createDeadLetters,
  createPubAckInbox,
  type NatsConnection,
  type RunningConsumer,
} from '@hookmesh/messaging';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createBodyCache } from './domain/body-cache';
import { createCallbackSlots } from './domain/callback-slots';
import { createTurns } from './domain/turns';
import { createCredentialsCache } from './domain/credentials';
import { createDeliveryPlanner } from './domain/delivery-plan';
import { createLocalDisables } from './domain/local-disables';
import { startCircuitStore } from './messaging/circuit-store';
import { createLaneHandler } from './messaging/delivery-lanes';
import { createDeliveryPath } from './messaging/delivery-path';
import { createFanOutHandler } from './messaging/fanout';
import { createOrderedLaneHandler } from './messaging/ordered-lane';
import { createPublishers } from './messaging/publishers';
import { createRateLimits, RATES_BUCKET_TTL_MS, THROTTLES_BUCKET_TTL_MS } from './messaging/rate-limits';
import { ACK_WAIT_MARGIN_MS, deliveryConsumerConfig, fanoutConsumerConfig, orderedConsumerConfig, waitingConsumerConfig } from './messaging/streams';
import { randomUUID } from 'node:crypto';
import { createDispatcherMetrics } from './metrics';
import { createWebhookClient } from './outbound/webhook-client';
import { SERVICE_NAME } from './service-name';

export interface DispatcherOptions {
  nc: NatsConnection;
  names: NatsNames;
  log: Logger;
  registry: Registry;
  /** HOOKMESH_SECRETS_KEY, parsed: opens the sealed secrets and tokens of the subscription state. */
  secretsKeys: readonly SealingKey[];
  delivery: {
    schedule: readonly number[];
    timeoutMs: number;
    retryAfterMaxMs: number;
    holdRecheckMs: number;
    busyRecheckMs: number;
    /** How often a running attempt resets ack_wait; default 5 s. */
    progressIntervalMs?: number;
    /** HOOKMESH_RETRY_TIME_SCALE: multiplies every retry delay of every schedule; 1 by default. */
    timeScale?: number;
    /** How the `standard` profile names its headers and user agent (HOOKMESH_HEADER_PREFIX, HOOKMESH_USER_AGENT). */
    headerPrefix: string;
    userAgent: string;
    excerptMaxBytes: number;
  };
  /**
   * `accountShare`: the part of `overall` one account's attempts may take at once (HOOKMESH_ACCOUNT_CONCURRENCY_SHARE,
   * 0.5 by default), so one account's backlog leaves room for every other account's fresh deliveries.
   */
  concurrency: { overall: number; perCallback: number; fanout: number; connectionsPerOrigin: number; accountShare?: number };
  circuit: { threshold: number; cooldownMs: number; disableAfterMs: number };
  /** Stream replicas (HOOKMESH_STREAM_REPLICAS), for the buckets this process creates when missing. */
  streamReplicas?: number;
  /** HOOKMESH_RETENTION: how long an idle ordering key's state is kept (as long as its events are). */
  retentionMs?: number;
  /** HOOKMESH_ACK_WAIT_MARGIN: what the fan-out's and the delivery consumers' ack_wait add to the HTTP timeout; 30 s by default. */
  ackWaitMarginMs?: number;
  /** max_ack_pending of the delivery consumer: due tasks handed out and not yet settled. */
  maxAckPending: number;
  /** max_ack_pending of the waiting consumer: how many tasks may wait (retries, holds, open circuits) at once. */
  maxWaiting?: number;
  egress: { allowPrivateTargets: boolean; extraCa?: string | undefined; resolver?: Resolver | undefined };
  /** Which loops this process runs; both by default (a deployment may split fan-out from delivery). */
  roles?: { fanout: boolean; delivery: boolean };
  /** Pinned in tests; the clock and Math.random otherwise. */
  now?: () => Date;
  random?: () => number;
}

export interface Dispatcher {
  view: SubscriptionView;
  /** True from start until stop(): the view is loaded and the consumers run. */
  isRunning(): boolean;
  /** Stops pulling, lets running attempts settle, stops the view and closes the HTTP pool. */
  stop(): Promise<void>;
}

/** Attempts above which a callback's deliveries are stored as tasks rather than attempted from the fan-out. */
const INLINE_MAX_AVERAGE_MS = 1_000;

/**
 * Loads the subscription view and the shared circuits from their KV buckets (resolving once they are in memory),
 * then starts the fan-out consumer on EVENTS and the delivery consumers on DELIVERIES and WAITING. Several
 * processes may run it against the same durable consumers; JetStream shares the work between them. The streams
 * must exist (ensureDispatcherStreams).
 */
export async function createDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const { nc, names, log, registry } = options;
  const roles = options.roles ?? { fanout: true, delivery: true };
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const tracer = trace.getTracer(SERVICE_NAME);

  const kv = await openKv(js, names.kv.bucket);
  const view = await startSubscriptionView({ kv, prefix: names.prefix, log });
  const circuits = await startCircuitStore({ js, names, log, settings: options.circuit, replicas: options.streamReplicas, now: () => now().getTime() });
  const planner = createDeliveryPlanner(
    {
      naming: { headerPrefix: options.delivery.headerPrefix, userAgent: options.delivery.userAgent },
      schedule: options.delivery.schedule,
      timeScale: options.delivery.timeScale ?? 1,
      timeoutMs: options.delivery.timeoutMs,
    },
    view,
  );
  const localDisables = createLocalDisables();
  const known = new Map<string, { url: string; status: string }>();
  const stopWatching = view.onChange((change) => {
    if (change.kind !== 'callback') return;
    localDisables.observe(change.account, change.callbackId, change.state);
    // A new URL or a re-enable deserves a fresh start rather than the old endpoint's failure run.
    const key = `${change.account}/${change.callbackId}`;
    const before = known.get(key);
    if (change.state === null) known.delete(key);
    else known.set(key, { url: change.state.url, status: change.state.status });
    const fresh = change.state === null || (before !== undefined && (before.url !== change.state.url || (before.status !== 'active' && change.state.status === 'active')));
    if (fresh) void circuits.forget(change.account, change.callbackId).catch(() => undefined);
  });

  const consumers: Array<{ stream: string; durable: string }> = [];
  if (roles.fanout) consumers.push({ stream: names.streams.events, durable: names.consumers.dispatcherFanout });
  if (roles.delivery) {
    consumers.push({ stream: names.streams.deliveries, durable: names.consumers.dispatcherDelivery });
    consumers.push({ stream: names.streams.waiting, durable: names.consumers.dispatcherWaiting });
    consumers.push({ stream: names.streams.ordered, durable: names.consumers.dispatcherOrdered });
  }
  const replicas = options.streamReplicas ?? 1;
  const [rateCounts, throttles, orderingStates] = await Promise.all([
    openKv(js, names.rates.bucket, { history: 1, replicas, ttl: RATES_BUCKET_TTL_MS }),
    openKv(js, names.throttles.bucket, { history: 1, replicas, ttl: THROTTLES_BUCKET_TTL_MS }),
    openKv(js, names.ordering.bucket, { history: 1, replicas, ttl: options.retentionMs ?? 30 * 86_400_000 }),
  ]);
  const metrics = createDispatcherMetrics(
    registry,
    () => Promise.all(consumers.map(async ({ stream, durable }) => ({ consumer: durable, ...(await consumerLag(jsm, stream, durable)) }))),
    () => view.size(),
    () => circuits.counts(now().getTime()),
  );
  // Task and audit PubAcks come back on the connection's own inbox: cheaper per publish than nats.js's request path.
  const publishers = createPublishers(createPubAckInbox(nc), names);
  const deadLettersOf = (source: 'events' | 'deliveries' | 'waiting' | 'ordered', consumer: string) =>
    createDeadLetters({
      js,
      nc,
      names,
      source,
      consumer,
      log,
      now,
      onKept: (labels, detail) => {
        metrics.deadLetters.inc(labels);
        void raiseDeadLetter(labels, detail).catch((error: unknown) => log.warn({ err: error }, 'dead_letter.added not raised'));
      },
    });

  /** dead_letter.added: what the subject says about whose message it was (its account, its callback where it names one). */
  async function raiseDeadLetter(labels: { stream: string; reason: string }, detail: { subject: string; problem: string }): Promise<void> {
    const parts = detail.subject.split('.');
    const account = parts[2];
    if (account === undefined || !raisesOperationalEvents(account) || !ACCOUNT_PATTERN.test(account)) return;
    const callbackId = labels.stream === 'events' ? null : (parts[3] ?? null);
    const callback = callbackId === null ? undefined : view.callback(account, callbackId);
    const at = now();
    await publishers.operationalEvent(
      'dead_letter.added',
      {
        account,
        callback_id: callbackId,
        url: callback?.url ?? null,
        message_type: callback?.message_type ?? null,
        dead_letter: { stream: labels.stream, reason: labels.reason, problem: detail.problem.slice(0, 500) },
        at: at.toISOString(),
      },
      at,
    );
    metrics.operationalEvents.inc({ type: 'dead_letter.added' });
  }
  const client = createWebhookClient({
    allowPrivateTargets: options.egress.allowPrivateTargets,
    connectionsPerOrigin: options.concurrency.connectionsPerOrigin,
    excerptMaxBytes: options.delivery.excerptMaxBytes,
    extraCa: options.egress.extraCa,
    resolver: options.egress.resolver,
  });

  const slots = createCallbackSlots(options.concurrency.perCallback);
  const perAccount = Math.max(1, Math.floor(options.concurrency.overall * (options.concurrency.accountShare ?? 0.5)));
  const path = roles.delivery
    ? createDeliveryPath({
        view,
        localDisables,
        circuits,
        slots,
        accountSlots: createCallbackSlots(perAccount),
        turns: createTurns(),
        limits: { perCallback: options.concurrency.perCallback, perAccount },
        planner,
        rates: createRateLimits({ rates: rateCounts, throttles, names, log, now: () => now().getTime(), random }),
        bodies: createBodyCache(),
        credentialsOf: createCredentialsCache(options.secretsKeys),
        client,
        publishers,
        metrics,
        log,
        tracer,
        settings: {
          schedule: options.delivery.schedule.map((delay) => Math.round(delay * (options.delivery.timeScale ?? 1))),
          retryAfterMaxMs: options.delivery.retryAfterMaxMs,
          holdRecheckMs: options.delivery.holdRecheckMs,
          busyRecheckMs: options.delivery.busyRecheckMs,
          progressIntervalMs: options.delivery.progressIntervalMs ?? 5_000,
        },
        now,
        random,
      })
    : undefined;

  const running: RunningConsumer[] = [];
  const consumerOptions = { deliveryTimeoutMs: options.delivery.timeoutMs, ackWaitMarginMs: options.ackWaitMarginMs };
  if (roles.fanout) {
    running.push(
      runConsumer({
        js,
        jsm,
        stream: names.streams.events,
        config: fanoutConsumerConfig(names, { ...consumerOptions, maxAckPending: options.concurrency.fanout * 4 }),
        log,
        concurrency: options.concurrency.fanout,
        maxMessages: options.concurrency.fanout * 2,
        handle: createFanOutHandler({
          view,
          localDisables,
          publishers,
          metrics,
          log,
          tracer,
          planner,
          path,
          quick: (callback) => (slots.averageHoldMs(`${callback.account}/${callback.id}`) ?? 0) < INLINE_MAX_AVERAGE_MS,
          perAccountInline: Math.max(1, Math.floor(options.concurrency.fanout * (options.concurrency.accountShare ?? 0.5))),
          deadLetters: deadLettersOf('events', names.consumers.dispatcherFanout),
          now,
          random,
        }),
      }),
    );
  }
  if (path !== undefined) {
    const handle = createLaneHandler({
      path,
      publishers,
      deadLetters: { due: deadLettersOf('deliveries', names.consumers.dispatcherDelivery), waiting: deadLettersOf('waiting', names.consumers.dispatcherWaiting) },
      now: () => now().getTime(),
    });
    // Both lanes share the per-callback slots, the circuits and the HTTP pool; each pulls with its own concurrency.
    for (const lane of [
      { name: 'due', stream: names.streams.deliveries, config: deliveryConsumerConfig(names, { ...consumerOptions, maxAckPending: options.maxAckPending }) },
      { name: 'waiting', stream: names.streams.waiting, config: waitingConsumerConfig(names, { ...consumerOptions, maxAckPending: options.maxWaiting ?? 1_000_000 }) },
    ] as const) {
      running.push(
        runConsumer({
          js,
          jsm,
          stream: lane.stream,
          config: lane.config,
          log,
          concurrency: options.concurrency.overall,
          // A small buffer: a task waiting client-side for a slot must not outlive ack_wait.
          maxMessages: options.concurrency.overall,
          handle: (msg) => handle(msg, lane.name),
        }),
      );
    }
  }

  if (path !== undefined) {
    const orderedConfig = orderedConsumerConfig(names, { ...consumerOptions, maxAckPending: options.maxAckPending });
    running.push(
      runConsumer({
        js,
        jsm,
        stream: names.streams.ordered,
        config: orderedConfig,
        log,
        concurrency: options.concurrency.overall,
        maxMessages: options.concurrency.overall,
        handle: createOrderedLaneHandler({
          jsm,
          names,
          states: orderingStates,
          path,
          view,
          planner,
          publishers,
          metrics,
          deadLetters: deadLettersOf('ordered', names.consumers.dispatcherOrdered),
          log,
          owner: `${SERVICE_NAME}-${randomUUID()}`,
          leaseMs: options.delivery.timeoutMs + (options.ackWaitMarginMs ?? ACK_WAIT_MARGIN_MS),
          now,
          random,
        }),
      }),
    );
  }

  let stopped: Promise<void> | undefined;
  return {
    view,
    isRunning: () => stopped === undefined,
    stop() {
      stopped ??= (async () => {
        await Promise.all(running.map((consumer) => consumer.stop()));
        stopWatching();
        await view.stop();
        await circuits.stop();
        await client.close();
      })();
      return stopped;
    },
  };
}
