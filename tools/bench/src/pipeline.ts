// The measurements of the end-to-end benchmark, each a function of the stack and the receiver:
// the ceiling (plain client → receiver), fan-out runs (ingest → … → receiver), the steady-rate latency run
// and the audit-lag probe. None of them judges its numbers; bench.ts does.
import { deliveryIdFor, eventTypes } from '@hookmesh/contracts';
import { Pool } from 'undici';
import { wallClockMs, type Arrival } from './receiver';
import { mergeStalls, type LoopStalls } from './service-stalls';
import type { ReceiverProcess, Stack } from './stack';

/** Percentiles (nearest rank) of a sample, in the sample's unit. */
export type Distribution = { count: number; p50: number; p95: number; p99: number; max: number };

/** Nearest-rank percentiles; NaN everywhere for an empty sample. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]! };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const exampleItem = (eventTypes.orderEvent.example.data as ReadonlyArray<Record<string, unknown>>)[0]!;

/** An orderEvent's data: the seed example with the send time (wall-clock ms) in it, so a receiver can time it alone. */
export function benchEventData(sentAt: number): unknown {
  return [{ ...exampleItem, bench_sent_at: Math.round(sentAt) }];
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The ceiling

export type CeilingResult = { connections: number; seconds: number; requests: number; failures: number; perSecond: number };

/**
 * How fast a plain undici Pool with `connections` connections (one request in flight on each, as the dispatcher's
 * pool) POSTs a delivery-sized body to the receiver. Every request carries a fresh webhook-id, so the receiver
 * does the same bookkeeping as for a real delivery.
 */
export async function measureCeiling(receiver: ReceiverProcess, options: { connections: number; seconds: number }): Promise<CeilingResult> {
  const target = new URL(receiver.url('/ceiling'));
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const body = Buffer.from(
    JSON.stringify({ callback_url: target.toString(), message_type: 'orderEvent', message_id: '00000000-0000-7000-8000-000000000000', api_version: '1.0', data: benchEventData(wallClockMs()) }),
  );
  const fixedHeaders = {
    'content-type': 'application/json',
    'user-agent': 'Hookmesh-Webhook/1.0',
    'x-hookmesh-event': 'orderEvent',
    'x-hookmesh-attempt': '1',
    'x-hookmesh-hmac-sha256': 'c2lnbmF0dXJlLW9mLXRoZS1zYW1lLWxlbmd0aC1hcy1hLXJlYWwtb25lPT0=',
    'webhook-signature': 'v1,c2lnbmF0dXJlLW9mLXRoZS1zYW1lLWxlbmd0aC1hcy1hLXJlYWwtb25lPT0=',
  };
  let requests = 0;
  let failures = 0;
  const started = performance.now();
  const stopAt = started + options.seconds * 1000;
  async function worker(lane: number): Promise<void> {
    let n = 0;
    while (performance.now() < stopAt) {
      const response = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers: { ...fixedHeaders, 'webhook-id': `ceiling-${lane}-${n++}`, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
        body,
      });
      await response.body.dump();
      if (response.statusCode === 200) requests += 1;
      else failures += 1;
    }
  }
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, lane) => worker(lane)));
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { connections: options.connections, seconds, requests, failures, perSecond: requests / seconds };
}

// ---------------------------------------------------------------------------------------------------------------
// Callbacks and ingest

/** Registers `count` orderEvent callbacks of `account` (ordered ones if asked), one receiver path each; returns their ids and paths. */
export async function registerBenchCallbacks(
  stack: Stack,
  receiver: ReceiverProcess,
  account: string,
  pathPrefix: string,
  count: number,
  options: { ordered?: boolean } = {},
): Promise<Array<{ id: string; path: string }>> {
  const paths = Array.from({ length: count }, (_, index) => `${pathPrefix}/${index}`);
  const response = await fetch(`${stack.urls['subscription-service']}/${account}/api/v1/callbacks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await stack.token(account)}`, 'content-type': 'application/json' },
    body: JSON.stringify(paths.map((route) => ({ url: receiver.url(route), message_type: 'orderEvent', api_version: '1.0', ...(options.ordered === true ? { ordered: true } : {}) }))),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`registering callbacks: ${response.status} ${text}`);
  const created = (JSON.parse(text) as { callbacks: Array<{ id: string; url: string }> }).callbacks;
  return created.map((callback) => ({ id: callback.id, path: new URL(callback.url).pathname }));
}

type Sent = { messageId: string; sentAt: number; acceptedAt: number };

/**
 * Posts one batch of `size` orderEvents; resolves with the accepted message ids (empty on a non-202). With
 * `orderingKey`, event i of the batch carries the ordering key it returns for i.
 */
async function postBatch(pool: Pool, account: string, token: string, size: number, orderingKey?: (index: number) => string): Promise<{ status: number; sent: Sent[] }> {
  const sentAt = wallClockMs();
  const data = benchEventData(sentAt);
  const events = Array.from({ length: size }, (_, index) => ({ message_type: 'orderEvent', data, ...(orderingKey === undefined ? {} : { ordering_key: orderingKey(index) }) }));
  const response = await pool.request({
    path: `/${account}/api/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(events),
  });
  const text = await response.body.text();
  const acceptedAt = wallClockMs();
  if (response.statusCode !== 202) return { status: response.statusCode, sent: [] };
  const ids = (JSON.parse(text) as { events: Array<{ message_id: string }> }).events.map((event) => event.message_id);
  return { status: 202, sent: ids.map((messageId) => ({ messageId, sentAt, acceptedAt })) };
}

// ---------------------------------------------------------------------------------------------------------------
// What arrived

/** Deliveries expected, arrived, repeated and missing for one run, from the receiver's (path, webhook-id) counts. */
export type DeliveryCount = { expected: number; arrived: number; duplicates: number; lost: number; unexpected: number; firstArrival: number; lastArrival: number };

/** Two runs' delivery counts as one: counts summed, the arrivals' span widened to cover both. */
export function sumDeliveryCounts(a: DeliveryCount, b: DeliveryCount): DeliveryCount {
  return {
    expected: a.expected + b.expected,
    arrived: a.arrived + b.arrived,
    duplicates: a.duplicates + b.duplicates,
    lost: a.lost + b.lost,
    unexpected: a.unexpected + b.unexpected,
    firstArrival: Math.min(a.firstArrival, b.firstArrival),
    lastArrival: Math.max(a.lastArrival, b.lastArrival),
  };
}

/** Compares what the receiver saw under `paths` with every accepted message id × every path. */
export function countDeliveries(arrivals: readonly Arrival[], paths: readonly string[], messageIds: ReadonlySet<string>): DeliveryCount & { byKey: Map<string, Arrival> } {
  const pathSet = new Set(paths);
  const byKey = new Map<string, Arrival>();
  let duplicates = 0;
  let unexpected = 0;
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastArrival = 0;
  for (const arrival of arrivals) {
    if (!pathSet.has(arrival.path)) continue;
    if (!messageIds.has(arrival.webhookId)) {
      unexpected += arrival.count;
      continue;
    }
    byKey.set(`${arrival.path} ${arrival.webhookId}`, arrival);
    duplicates += arrival.count - 1;
    firstArrival = Math.min(firstArrival, arrival.firstAt);
    lastArrival = Math.max(lastArrival, arrival.firstAt);
  }
  const expected = messageIds.size * paths.length;
  return { expected, arrived: byKey.size, duplicates, lost: expected - byKey.size, unexpected, firstArrival, lastArrival, byKey };
}

/** Waits until the receiver holds `expected` distinct deliveries or nothing new arrived for `quietMs` after `deadline`. */
async function waitForArrivals(receiver: ReceiverProcess, expected: number, deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    const summary = await receiver.summary();
    if (summary.unique >= expected) return;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2./3. Fan-out throughput

export type FanOutOptions = {
  account: string;
  /** Callbacks of orderEvent: deliveries per event. */
  fanout: number;
  /** Sending stops after this many seconds or events, whichever first. */
  seconds: number;
  maxEvents: number;
  batchSize: number;
  /** Ingest requests in flight. */
  connections: number;
  /** Most deliveries accepted but not yet arrived; the sender waits beyond it, so the run measures a steady flow, not a backlog. */
  window: number;
  /** How long to wait for stragglers after sending stopped. */
  drainSeconds: number;
  /** Ordered callbacks, the events spread round-robin over this many ordering keys. */
  orderingKeys?: number;
};

export type FanOutResult = DeliveryCount & {
  fanout: number;
  events: number;
  ingestFailures: number;
  sendSeconds: number;
  /** First POST to last arrival. */
  seconds: number;
  deliveriesPerSecond: number;
  eventsPerSecond: number;
};

/** Posts batches to event-ingest as fast as the window allows and counts the deliveries at the receiver. */
export async function runFanOut(stack: Stack, receiver: ReceiverProcess, options: FanOutOptions): Promise<FanOutResult> {
  const keys = options.orderingKeys;
  const callbacks = await registerBenchCallbacks(stack, receiver, options.account, `/${options.account}`, options.fanout, { ordered: keys !== undefined });
  await receiver.reset();
  const token = await stack.token(options.account, ['events:write']);
  const pool = new Pool(stack.urls['event-ingest'], { connections: options.connections, pipelining: 1 });
  const messageIds = new Set<string>();
  let ingestFailures = 0;
  let reserved = 0;
  let arrived = 0;
  let sending = true;
  const poller = (async () => {
    while (sending) {
      arrived = (await receiver.summary()).requests;
      await sleep(100);
    }
  })();

  const started = wallClockMs();
  const stopAt = performance.now() + options.seconds * 1000;
  async function sender(): Promise<void> {
    while (performance.now() < stopAt && reserved < options.maxEvents) {
      if ((messageIds.size + ingestFailures) * options.fanout - arrived > options.window) {
        await sleep(10);
        continue;
      }
      const size = Math.min(options.batchSize, options.maxEvents - reserved);
      const first = reserved;
      reserved += size;
      const result = await postBatch(pool, options.account, token, size, keys === undefined ? undefined : (index) => `key-${(first + index) % keys}`);
      if (result.status === 202) for (const sent of result.sent) messageIds.add(sent.messageId);
      else ingestFailures += size;
    }
  }
  try {
    await Promise.all(Array.from({ length: options.connections }, () => sender()));
  } finally {
    sending = false;
    await poller;
    await pool.close();
  }
  const sendSeconds = (wallClockMs() - started) / 1000;
  await waitForArrivals(receiver, messageIds.size * options.fanout, Date.now() + options.drainSeconds * 1000);
  const counted = countDeliveries(
    await receiver.arrivals(),
    callbacks.map((callback) => callback.path),
    messageIds,
  );
  const { byKey: _byKey, ...count } = counted;
  const seconds = (count.lastArrival - started) / 1000;
  return {
    ...count,
    fanout: options.fanout,
    events: messageIds.size,
    ingestFailures,
    sendSeconds,
    seconds,
    deliveriesPerSecond: seconds > 0 ? count.arrived / seconds : 0,
    eventsPerSecond: messageIds.size / sendSeconds,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 4./5. Latency at a steady rate, and audit lag

export type LatencyOptions = {
  account: string;
  /** Events per second, sent open-loop (on a clock, not after the previous answer). */
  ratePerSecond: number;
  seconds: number;
  /** Batches are sent every tickMs (events per batch = rate × tick). */
  tickMs: number;
  connections: number;
  drainSeconds: number;
  /** Message ids probed on the audit API per second. */
  auditSamplesPerSecond: number;
};

export type AuditLagResult = {
  /** Probed messages whose attempt row the API showed before the probe gave up. */
  sampled: number;
  committed: number;
  /** Arrival at the receiver → first audit answer showing the attempt (an upper bound of the commit). */
  upperMs: Distribution;
  /** Arrival → the last probe that still did not show it (a lower bound); their gap is the probe's resolution. */
  lowerMs: Distribution;
};

/** What the audit probe saw: how many it probed, and each committed one's upper and lower bound (ms). */
export type AuditLagSamples = { sampled: number; upper: number[]; lower: number[] };

/** One latency run's counts and raw timings, from which its result is computed (and several runs' pooled). */
export type LatencySamples = DeliveryCount & {
  ratePerSecond: number;
  batchSize: number;
  events: number;
  ingestFailures: number;
  fromAccepted: number[];
  fromSent: number[];
  ingest: number[];
  auditLag: AuditLagSamples;
};

function latencyResultOf(run: LatencySamples): LatencyResult {
  const { fromAccepted, fromSent, ingest, auditLag, ...count } = run;
  return {
    ...count,
    fromAcceptedMs: distribution(fromAccepted),
    fromSentMs: distribution(fromSent),
    ingestMs: distribution(ingest),
    arrivedBeforeAccepted: fromAccepted.filter((ms) => ms < 0).length,
    auditLag: { sampled: auditLag.sampled, committed: auditLag.upper.length, upperMs: distribution(auditLag.upper), lowerMs: distribution(auditLag.lower) },
  };
}

/** Several runs at one rate as one: counts summed, timings pooled (a p95 of all their samples). */
export function poolLatency(runs: readonly LatencySamples[]): LatencyResult {
  const [first, ...rest] = runs;
  if (first === undefined) throw new Error('poolLatency: no runs');
  const pooled = rest.reduce<LatencySamples>(
    (all, run) => ({
      ...sumDeliveryCounts(all, run),
      ratePerSecond: all.ratePerSecond,
      batchSize: all.batchSize,
      events: all.events + run.events,
      ingestFailures: all.ingestFailures + run.ingestFailures,
      fromAccepted: [...all.fromAccepted, ...run.fromAccepted],
      fromSent: [...all.fromSent, ...run.fromSent],
      ingest: [...all.ingest, ...run.ingest],
      auditLag: { sampled: all.auditLag.sampled + run.auditLag.sampled, upper: [...all.auditLag.upper, ...run.auditLag.upper], lower: [...all.auditLag.lower, ...run.auditLag.lower] },
    }),
    first,
  );
  return latencyResultOf(pooled);
}

export type LatencyResult = DeliveryCount & {
  ratePerSecond: number;
  batchSize: number;
  events: number;
  ingestFailures: number;
  /** Ingest's 202 → arrival at the receiver. */
  fromAcceptedMs: Distribution;
  /** The POST's send time (the bench_sent_at in the event data) → arrival. */
  fromSentMs: Distribution;
  /** The ingest request itself: send → 202. */
  ingestMs: Distribution;
  /** Negative values of fromAccepted: deliveries that arrived before the producer had its 202. */
  arrivedBeforeAccepted: number;
  auditLag: AuditLagResult;
};

/**
 * Polls GET /deliveries/{delivery_id} (the id is deterministic: deliveryIdFor(message_id, callback_id)) for a sample of
 * messages until the delivery shows its attempt, recording the time of the last "not yet" and of the first "there".
 */
function startAuditProbe(stack: Stack, account: string, callbackId: string, token: string) {
  type Probe = { deliveryId: string; lastMissSent: number; seenAt?: number };
  const probes = new Map<string, Probe>();
  let open = true;
  const loop = (async () => {
    while (open || [...probes.values()].some((probe) => probe.seenAt === undefined)) {
      const pending = [...probes.values()].filter((probe) => probe.seenAt === undefined);
      // Bounded parallelism, so the probe itself stays a light load on audit.
      for (let i = 0; i < pending.length; i += 8) {
        await Promise.all(
          pending.slice(i, i + 8).map(async (probe) => {
            const sent = wallClockMs();
            try {
              const response = await fetch(`${stack.urls.audit}/${account}/api/v1/deliveries/${probe.deliveryId}`, { headers: { authorization: `Bearer ${token}` } });
              const body = (await response.json()) as { attempts?: unknown[] };
              if (response.status === 200 && (body.attempts?.length ?? 0) > 0) probe.seenAt ??= wallClockMs();
              else probe.lastMissSent = sent;
            } catch {
              // An unanswered probe proves nothing either way; the next round asks again.
            }
          }),
        );
      }
      await sleep(10);
    }
  })();
  return {
    add(messageId: string, sentAt: number) {
      probes.set(messageId, { deliveryId: deliveryIdFor(messageId, callbackId), lastMissSent: sentAt });
    },
    /** Stops taking samples and waits (up to `deadline`) for the probed ones to show up. */
    async finish(deadlineMs: number, arrivals: ReadonlyMap<string, number>): Promise<AuditLagSamples> {
      open = false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()))))]);
      clearTimeout(timer);
      for (const probe of probes.values()) probe.seenAt ??= Number.NaN;
      await loop;
      const upper: number[] = [];
      const lower: number[] = [];
      for (const [messageId, probe] of probes) {
        const arrival = arrivals.get(messageId);
        if (arrival === undefined || Number.isNaN(probe.seenAt!)) continue;
        upper.push(probe.seenAt! - arrival);
        lower.push(Math.max(0, probe.lastMissSent - arrival));
      }
      return { sampled: probes.size, upper, lower };
    },
  };
}

/** Sends events at a fixed rate through one callback, then reports delivery latency and audit lag. */
export async function runLatency(stack: Stack, receiver: ReceiverProcess, options: LatencyOptions): Promise<LatencyResult> {
  return latencyResultOf(await sampleLatency(stack, receiver, options));
}

async function sampleLatency(stack: Stack, receiver: ReceiverProcess, options: LatencyOptions): Promise<LatencySamples> {
  const [callback] = await registerBenchCallbacks(stack, receiver, options.account, `/${options.account}`, 1);
  await receiver.reset();
  const token = await stack.token(options.account, ['events:write']);
  const auditToken = await stack.token(options.account, ['deliveries:read']);
  const batchSize = Math.max(1, Math.round((options.ratePerSecond * options.tickMs) / 1000));
  const intervalMs = (batchSize / options.ratePerSecond) * 1000;
  const pool = new Pool(stack.urls['event-ingest'], { connections: options.connections, pipelining: 1 });
  const probe = startAuditProbe(stack, options.account, callback!.id, auditToken);
  const sampleEvery = Math.max(1, Math.round(options.ratePerSecond / options.auditSamplesPerSecond));
  const sent = new Map<string, Sent>();
  let ingestFailures = 0;
  let accepted = 0;

  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (let tick = 0; tick * intervalMs < options.seconds * 1000; tick++) {
    const wait = start + tick * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const request: Promise<void> = postBatch(pool, options.account, token, batchSize)
      .then((result) => {
        if (result.status !== 202) ingestFailures += batchSize;
        for (const item of result.sent) {
          sent.set(item.messageId, item);
          if (accepted++ % sampleEvery === 0) probe.add(item.messageId, item.acceptedAt);
        }
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  await pool.close();
  await waitForArrivals(receiver, sent.size, Date.now() + options.drainSeconds * 1000);
  const counted = countDeliveries(await receiver.arrivals(), [callback!.path], new Set(sent.keys()));
  const arrivalOf = new Map([...counted.byKey.values()].map((arrival) => [arrival.webhookId, arrival.firstAt]));
  const auditLag = await probe.finish(Date.now() + options.drainSeconds * 1000, arrivalOf);

  const fromAccepted: number[] = [];
  const fromSent: number[] = [];
  for (const [messageId, item] of sent) {
    const arrival = arrivalOf.get(messageId);
    if (arrival === undefined) continue;
    fromAccepted.push(arrival - item.acceptedAt);
    fromSent.push(arrival - item.sentAt);
  }
  const { byKey: _byKey, ...count } = counted;
  return {
    ...count,
    ratePerSecond: options.ratePerSecond,
    batchSize,
    events: sent.size,
    ingestFailures,
    fromAccepted,
    fromSent,
    ingest: [...sent.values()].map((item) => item.acceptedAt - item.sentAt),
    auditLag,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 6. Fairness: another account's latency while one account floods slow endpoints

export type FairnessOptions = {
  /**
   * The other account's rate (events/s, open-loop, one callback), alone and then during the flood, sent in bursts
   * every 500 ms: at the default 30/s, 15 at once, more than its callback's slots, so some wait on DELIVERIES.
   */
  quietRate: number;
  /** The flooding account's rate (events/s, open-loop) and its callbacks, all on the slow receiver. */
  floodRate: number;
  floodCallbacks: number;
  /** Each half's length (s) in each round. */
  seconds: number;
  /** Rounds of (alone, beside the flood), one after the other; each half's samples are pooled across them. */
  rounds: number;
  drainSeconds: number;
  /** Waits for the consumers to be idle and the dispatcher to count no account as active (between rounds). */
  settle?: () => Promise<unknown>;
  /** Starts measuring CPU per process; the returned function stops and reports (each half of the run is metered). */
  meter?: () => () => PhaseCpu;
  /** Scrapes the services' event-loop delay and collections; the returned function reports the phase since. */
  stalls?: () => Promise<() => Promise<Record<string, LoopStalls | null>>>;
};

/** CPU seconds per process over a phase's wall time. */
export type PhaseCpu = { wallSeconds: number; cpuSeconds: Record<string, number | null> };

type FloodCount = DeliveryCount & { events: number; ingestFailures: number; drainedSeconds: number };

/** One round of the fairness run: the other account's 202 → arrival alone and beside the flood, and the flood. */
export type FairnessRound = { alone: Distribution; duringFlood: Distribution; p95Ratio: number; flood: { events: number; arrived: number; expected: number; drainedSeconds: number } };

export type FairnessResult = {
  quietRate: number;
  floodRate: number;
  floodCallbacks: number;
  /** The other account alone, and another account like it during the flood: 202 → arrival, pooled over the rounds. */
  alone: LatencyResult;
  duringFlood: LatencyResult;
  /** duringFlood p95 ÷ alone p95 (pooled). */
  p95Ratio: number;
  /** Each round on its own, in the order run. */
  rounds: FairnessRound[];
  /** Every round's flood together (drainedSeconds: the longest drain). */
  flood: FloodCount;
  /** CPU per process during the other account's runs alone and during its runs beside the flood (null without a meter). */
  cpu: { alone: PhaseCpu; duringFlood: PhaseCpu } | null;
  /** Each service's longest event-loop stall and its collections in each half (null without a stall meter). */
  stalls: { alone: Record<string, LoopStalls | null>; duringFlood: Record<string, LoopStalls | null> } | null;
};

/** Several phases' CPU as one: wall time and each process's CPU summed (unknown if unknown in any). */
export function sumPhaseCpu(phases: readonly PhaseCpu[]): PhaseCpu {
  const cpuSeconds: Record<string, number | null> = {};
  for (const phase of phases) {
    for (const [name, seconds] of Object.entries(phase.cpuSeconds)) {
      const sum = name in cpuSeconds ? cpuSeconds[name]! : 0;
      cpuSeconds[name] = sum === null || seconds === null ? null : Number((sum + seconds).toFixed(2));
    }
  }
  return { wallSeconds: Number(phases.reduce((sum, phase) => sum + phase.wallSeconds, 0).toFixed(2)), cpuSeconds };
}

function sumFloods(floods: readonly FloodCount[]): FloodCount {
  return floods.reduce((all, flood) => ({
    ...sumDeliveryCounts(all, flood),
    events: all.events + flood.events,
    ingestFailures: all.ingestFailures + flood.ingestFailures,
    drainedSeconds: Math.max(all.drainedSeconds, flood.drainedSeconds),
  }));
}

/**
 * Measures another account's delivery latency alone, then while one account posts `floodRate` events/s, each to
 * `floodCallbacks` callbacks on a slow receiver, more than they take in, so its backlog grows all along; then waits
 * for the flood's backlog to drain and checks that every one of its deliveries arrived. It does so `rounds` times,
 * alternating, so that a slower stretch of the machine weighs on both halves alike rather than on the one it fell in;
 * each round uses fresh accounts.
 */
export async function runFairness(stack: Stack, receiver: ReceiverProcess, slow: ReceiverProcess, options: FairnessOptions): Promise<FairnessResult> {
  const rounds: FairnessRound[] = [];
  const alone: LatencySamples[] = [];
  const duringFlood: LatencySamples[] = [];
  const floods: FloodCount[] = [];
  const cpu: { alone: PhaseCpu[]; duringFlood: PhaseCpu[] } = { alone: [], duringFlood: [] };
  const stalls: { alone: Array<Record<string, LoopStalls | null>>; duringFlood: Array<Record<string, LoopStalls | null>> } = { alone: [], duringFlood: [] };
  const latencyRun = async (account: string, half: 'alone' | 'duringFlood') => {
    const stopMeter = options.meter?.();
    const stopStalls = await options.stalls?.();
    const run = await sampleLatency(stack, receiver, { account, ratePerSecond: options.quietRate, seconds: options.seconds, tickMs: 500, connections: 2, drainSeconds: options.drainSeconds, auditSamplesPerSecond: 1 });
    const phaseCpu = stopMeter?.();
    const phaseStalls = await stopStalls?.();
    if (phaseCpu !== undefined) cpu[half].push(phaseCpu);
    if (phaseStalls !== undefined) stalls[half].push(phaseStalls);
    return run;
  };

  for (let round = 1; round <= Math.max(1, options.rounds); round++) {
    if (round > 1) await options.settle?.();
    const quiet = await latencyRun(`benchfairq${round}`, 'alone');
    const { during, flood } = await besideFlood(stack, slow, `benchflood${round}`, options, () => latencyRun(`benchfairf${round}`, 'duringFlood'));
    alone.push(quiet);
    duringFlood.push(during);
    floods.push(flood);
    const quietMs = latencyResultOf(quiet).fromAcceptedMs;
    const floodMs = latencyResultOf(during).fromAcceptedMs;
    rounds.push({ alone: quietMs, duringFlood: floodMs, p95Ratio: floodMs.p95 / quietMs.p95, flood: { events: flood.events, arrived: flood.arrived, expected: flood.expected, drainedSeconds: flood.drainedSeconds } });
  }
  const pooledAlone = poolLatency(alone);
  const pooledFlood = poolLatency(duringFlood);
  return {
    quietRate: options.quietRate,
    floodRate: options.floodRate,
    floodCallbacks: options.floodCallbacks,
    alone: pooledAlone,
    duringFlood: pooledFlood,
    p95Ratio: pooledFlood.fromAcceptedMs.p95 / pooledAlone.fromAcceptedMs.p95,
    rounds,
    flood: sumFloods(floods),
    cpu: cpu.alone.length === 0 || cpu.duringFlood.length === 0 ? null : { alone: sumPhaseCpu(cpu.alone), duringFlood: sumPhaseCpu(cpu.duringFlood) },
    stalls: stalls.alone.length === 0 || stalls.duringFlood.length === 0 ? null : { alone: mergeStalls(stalls.alone), duringFlood: mergeStalls(stalls.duringFlood) },
  };
}

/** Runs `during` while `account` floods its slow callbacks; then stops the flood and waits for its backlog to drain. */
async function besideFlood<T>(stack: Stack, slow: ReceiverProcess, account: string, options: FairnessOptions, during: () => Promise<T>): Promise<{ during: T; flood: FloodCount }> {
  const callbacks = await registerBenchCallbacks(stack, slow, account, `/${account}`, options.floodCallbacks);
  await slow.reset();
  const token = await stack.token(account, ['events:write']);
  const pool = new Pool(stack.urls['event-ingest'], { connections: 4, pipelining: 1 });
  const messageIds = new Set<string>();
  let ingestFailures = 0;
  let flooding = true;
  const tickMs = 50;
  const batchSize = Math.max(1, Math.round((options.floodRate * tickMs) / 1000));
  const flood = (async () => {
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    for (let tick = 0; flooding; tick++) {
      const wait = start + tick * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
      const request: Promise<void> = postBatch(pool, account, token, batchSize)
        .then((result) => {
          if (result.status !== 202) ingestFailures += batchSize;
          for (const item of result.sent) messageIds.add(item.messageId);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  })();
  // The flood's backlog is there before the other account's run starts.
  await sleep(1_000);
  const result = await during();
  flooding = false;
  await flood;
  await pool.close();
  const drainStart = Date.now();
  await waitForArrivals(slow, messageIds.size * callbacks.length, Date.now() + options.drainSeconds * 1000);
  const { byKey: _byKey, ...count } = countDeliveries(
    await slow.arrivals(),
    callbacks.map((callback) => callback.path),
    messageIds,
  );
  return { during: result, flood: { ...count, events: messageIds.size, ingestFailures, drainedSeconds: (Date.now() - drainStart) / 1000 } };
}
