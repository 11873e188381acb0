// CLI of the end-to-end benchmark: `npm run bench` (nx run bench:bench). Prints one table and writes the JSON report.
//
// Environment (all optional): DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), NATS_URL (nats://127.0.0.1:4222),
// BENCH_SECONDS (10: the ceiling and each fan-out run), BENCH_MAX_EVENTS (100000), BENCH_BATCH (100),
// BENCH_INGEST_CONNECTIONS (4), BENCH_WINDOW (20000 deliveries in flight at most), HOOKMESH_CONNECTIONS_PER_ORIGIN (20),
// BENCH_LATENCY_SECONDS (10), BENCH_FAIRNESS_SECONDS (20: each half of each round of the fairness run), BENCH_FAIRNESS_ROUNDS (2), BENCH_LATENCY_SHARE (0.25), BENCH_LATENCY_RATE (events/s; overrides the share),
// BENCH_FAIRNESS_RATE (30 events/s of the other account, in bursts every 500 ms), BENCH_FLOOD_RATE (100 events/s), BENCH_FLOOD_CALLBACKS (5),
// BENCH_FLOOD_SLOW_MS (100: how long the flooded endpoints take to answer), BENCH_DRAIN_SECONDS (60), BENCH_OUT (docs/bench/latest.json),
// BENCH_TRACE_EXPORT (1: the services export traces to an OTLP sink in the bench; 0: spans made, none exported),
// BENCH_PROFILE (services to run under --cpu-prof, comma-separated; profiles in tmp/bench-prof/<service>),
// BENCH_SERVICE_ENV ("KEY=value,KEY=value" for every service), and BENCH_INGEST_URL, BENCH_SUBSCRIPTION_URL,
// BENCH_AUDIT_URL, BENCH_DISPATCHER_URL, BENCH_JWT_SECRET to measure an already running stack instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatReport, runBenchmark } from './bench';
import { SERVICES, repoRoot, type Service } from './stack';

const env = process.env;
env['DATABASE_URL'] ??= 'postgres://postgres@127.0.0.1:5432/postgres';
env['NATS_URL'] ??= 'nats://127.0.0.1:4222';
const num = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${env[name]}"`);
  return value;
};

const profiled = (env['BENCH_PROFILE'] ?? '').split(',').map((name) => name.trim()).filter((name) => name.length > 0);
for (const name of profiled) if (!SERVICES.includes(name as Service)) throw new Error(`BENCH_PROFILE: unknown service "${name}"; known: ${SERVICES.join(', ')}`);
const serviceEnv = Object.fromEntries(
  (env['BENCH_SERVICE_ENV'] ?? '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
);
const out = path.resolve(repoRoot, env['BENCH_OUT'] ?? 'docs/bench/latest.json');
const seconds = num('BENCH_SECONDS', 10);
const drainSeconds = num('BENCH_DRAIN_SECONDS', 60);
const latencySeconds = num('BENCH_LATENCY_SECONDS', 10);
// Forty of the other account's bursts per half: with twenty, one burst is 5 % of the samples and the p95 is whichever
// burst was worst, so a single stall decides the ratio (docs/benchmarks.md).
const fairnessSeconds = num('BENCH_FAIRNESS_SECONDS', 20);
// Alone and beside the flood in turn, twice: a slow stretch of the VM then weighs on both halves, not on one.
const fairnessRounds = num('BENCH_FAIRNESS_ROUNDS', 2);
// Beyond this the run is stuck, not slow: the process fails (its children get SIGTERM from the finally blocks or die with it).
const hardLimitMs = (seconds * 3 + latencySeconds + (fairnessSeconds * 2 + drainSeconds * 2) * fairnessRounds + drainSeconds * 3 + 180) * 1000;

async function main(): Promise<void> {
  const hardLimit = setTimeout(() => {
    console.error(`bench: exceeded ${hardLimitMs} ms; giving up`);
    process.exit(1);
  }, hardLimitMs);
  hardLimit.unref();
  const report = await runBenchmark({
    seconds,
    maxEvents: num('BENCH_MAX_EVENTS', 100_000),
    batchSize: num('BENCH_BATCH', 100),
    ingestConnections: num('BENCH_INGEST_CONNECTIONS', 4),
    window: num('BENCH_WINDOW', 20_000),
    connectionsPerOrigin: num('HOOKMESH_CONNECTIONS_PER_ORIGIN', 20),
    latencySeconds,
    latencyShare: num('BENCH_LATENCY_SHARE', 0.25),
    ...(env['BENCH_LATENCY_RATE'] === undefined ? {} : { latencyRate: num('BENCH_LATENCY_RATE', 1) }),
    drainSeconds,
    // Production exports its traces: the bench pays for it too unless BENCH_TRACE_EXPORT=0.
    traceExport: env['BENCH_TRACE_EXPORT'] !== '0',
    fairness: {
      seconds: fairnessSeconds,
      rounds: fairnessRounds,
      quietRate: num('BENCH_FAIRNESS_RATE', 30),
      floodRate: num('BENCH_FLOOD_RATE', 100),
      floodCallbacks: num('BENCH_FLOOD_CALLBACKS', 5),
      slowMs: num('BENCH_FLOOD_SLOW_MS', 100),
    },
    nodeArgs: Object.fromEntries(profiled.map((name) => [name, ['--cpu-prof', `--cpu-prof-dir=tmp/bench-prof/${name}`]])),
    serviceEnv,
    env,
    log: (line) => console.log(`bench: ${line}`),
  });
  console.log('');
  console.log(formatReport(report));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nbench: report written to ${path.relative(repoRoot, out)}`);
  // Lost deliveries are a bug, not a slow run: the command fails.
  if (report.lost > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
