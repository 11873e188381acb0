// Load generator for event-ingest: starts the bundled service against a real NATS, drives it over HTTP with a bounded
// undici pool, checks every 202 is in the stream, prints a table. Run: npx nx run bench:ingest-load (not part of npm test).
//
// Environment (all optional): NATS_URL (nats://127.0.0.1:4222), BENCH_SECONDS per scenario (10), BENCH_MAX_EVENTS per
// scenario (300000), BENCH_CONNECTIONS (16), BENCH_WARMUP_SECONDS (2), BENCH_SCENARIOS ("single,batch100"),
// BENCH_NODE_ARGS (extra node flags for the ingest process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { eventTypes, natsNames } from '@hookmesh/contracts';
import { signDevToken } from '@hookmesh/http';
import { createTestNats, freePort } from '@hookmesh/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';

interface Scenario {
  name: string;
  eventsPerRequest: number;
}

interface ScenarioResult {
  scenario: string;
  requests: number;
  events: number;
  failures: number;
  seconds: number;
  latenciesMs: number[];
}

const SCENARIOS: Record<string, Scenario> = {
  single: { name: 'single', eventsPerRequest: 1 },
  batch100: { name: 'batch100', eventsPerRequest: 100 },
};

const root = path.resolve(__dirname, '..', '..', '..');
const bundle = path.join(root, 'dist', 'apps', 'event-ingest', 'main.js');
const natsUrl = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const warmupSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 2);
const maxEvents = Number(process.env['BENCH_MAX_EVENTS'] ?? 300_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const scenarios = (process.env['BENCH_SCENARIOS'] ?? 'single,batch100').split(',').map((name) => {
  const scenario = SCENARIOS[name.trim()];
  if (scenario === undefined) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return scenario;
});
// Beyond this the run is stuck, not slow: everything is torn down and the process fails.
const HARD_LIMIT_MS = (warmupSeconds + (seconds + 30) * scenarios.length + 60) * 1000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`event-ingest exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('event-ingest did not become ready within 20 s');
}

/** Sends requests on every pool connection until the time or event budget is spent; counts only 202s as events. */
async function drive(pool: Pool, account: string, token: string, scenario: Scenario, budget: { seconds: number; maxEvents: number }, runId: string): Promise<ScenarioResult> {
  const example = eventTypes.orderEvent.example.data;
  let sent = 0;
  let events = 0;
  let requests = 0;
  let failures = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const stopAt = started + budget.seconds * 1000;

  async function worker(): Promise<void> {
    while (performance.now() < stopAt && sent + scenario.eventsPerRequest <= budget.maxEvents) {
      const first = sent;
      sent += scenario.eventsPerRequest;
      // Idempotency keys, as producers are told to send them, so the server's dedupe bookkeeping is part of the cost.
      const batch = Array.from({ length: scenario.eventsPerRequest }, (_, i) => ({
        message_type: 'orderEvent',
        data: example,
        idempotency_key: `${runId}-${scenario.name}-${first + i}`,
      }));
      const body = JSON.stringify(scenario.eventsPerRequest === 1 ? batch[0] : batch);
      const t0 = performance.now();
      const res = await pool.request({
        path: `/${account}/api/v1/events`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      await res.body.dump();
      latenciesMs.push(performance.now() - t0);
      requests += 1;
      if (res.statusCode === 202) events += scenario.eventsPerRequest;
      else failures += 1;
    }
  }
  await Promise.all(Array.from({ length: connections }, () => worker()));
  return { scenario: scenario.name, requests, events, failures, seconds: (performance.now() - started) / 1000, latenciesMs };
}

function printTable(results: readonly ScenarioResult[]): void {
  const rows = results.map((result) => {
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    return {
      scenario: result.scenario,
      requests: String(result.requests),
      'events (202)': String(result.events),
      failed: String(result.failures),
      seconds: result.seconds.toFixed(1),
      'events/s': Math.round(result.events / result.seconds).toString(),
      'requests/s': Math.round(result.requests / result.seconds).toString(),
      'p50 ms': percentile(sorted, 50).toFixed(1),
      'p99 ms': percentile(sorted, 99).toFixed(1),
    };
  });
  const columns = Object.keys(rows[0] ?? {}) as Array<keyof (typeof rows)[number]>;
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(columns));
  console.log(`|${widths.map((width) => '-'.repeat(width + 1) + ':').join('|')}|`);
  for (const row of rows) console.log(line(columns.map((column) => row[column])));
}

async function main(): Promise<void> {
  const built = spawnSync(process.execPath, [path.join(root, 'tools', 'build', 'bundle.mjs'), 'apps/event-ingest'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(bundle)) throw new Error('could not bundle apps/event-ingest');

  const runId = randomBytes(4).toString('hex');
  // Its own stream prefix, and every stream and bucket under it deleted at the end (event-ingest makes more than EVENTS).
  const testNats = await createTestNats('bench', { url: natsUrl });
  const prefix = testNats.prefix;
  const secret = randomBytes(32).toString('base64url');
  const account = 'bench';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg.length > 0);
  const child = spawn(process.execPath, [...nodeArgs, bundle], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      NATS_URL: natsUrl,
      HOOKMESH_JWT_SECRET: secret,
      HOOKMESH_STREAM_PREFIX: prefix,
      HOOKMESH_RETENTION: '1h',
      // The limiter would measure itself, not ingest; it is per caller and this is one caller.
      HOOKMESH_RATE_LIMIT_PER_SECOND: '1000000',
      HOOKMESH_RATE_LIMIT_BURST: '1000000',
      HOOKMESH_INGEST_EVENTS_PER_SECOND: '1000000',
      HOOKMESH_INGEST_EVENTS_BURST: '1000000',
      // One access-log line per request is production behaviour, but it would measure the terminal here.
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    },
  });
  const hardLimit = setTimeout(() => {
    console.error(`bench: exceeded ${HARD_LIMIT_MS} ms; stopping`);
    child.kill('SIGKILL');
    process.exit(1);
  }, HARD_LIMIT_MS);
  hardLimit.unref();

  const pool = new Pool(url, { connections, pipelining: 1 });
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const stream = natsNames(prefix).streams.events;
  try {
    await waitReady(url, child);
    const token = await signDevToken({ secret, account, scopes: ['events:write'] });
    console.log(`bench: event-ingest pid ${child.pid} on ${url}, NATS ${natsUrl}, ${connections} connections, ${seconds}s or ${maxEvents} events per scenario`);
    if (warmupSeconds > 0) await drive(pool, account, token, SCENARIOS['single']!, { seconds: warmupSeconds, maxEvents }, `${runId}w`);

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      const before = (await jsm.streams.info(stream)).state.messages;
      const result = await drive(pool, account, token, scenario, { seconds, maxEvents }, runId);
      const stored = (await jsm.streams.info(stream)).state.messages - before;
      // 202 means stored: a gap here is a bug, not noise.
      if (stored !== result.events) throw new Error(`${scenario.name}: ${result.events} events answered 202 but ${stored} stored`);
      results.push(result);
    }
    console.log('');
    printTable(results);
  } finally {
    await pool.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await nc.close();
    await testNats.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
