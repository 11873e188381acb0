// The system under test: either the four services started here as processes from their dist/ bundles (own
// database and stream prefix, like libs/testing's startPlatform, but with per-service node flags and process ids
// for RSS), or an already running stack named by environment variables. Plus the receiver process.
import { signDevToken, type Scope } from '@hookmesh/http';
import { createTestDatabase, createTestNats, freePort, waitFor, type TestDatabase, type TestNats } from '@hookmesh/testing';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Arrival, ReceiverSummary } from './receiver';

const run = promisify(execFile);
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export const SERVICES = ['subscription-service', 'event-ingest', 'dispatcher', 'audit'] as const;
export type Service = (typeof SERVICES)[number];

/**
 * Each service's heap settings as its image sets them (docker/heap-flags.json): the old generation capped, and for
 * the dispatcher a larger young generation (fewer scavenges and promotions, docs/benchmarks.md).
 */
const NODE_OPTIONS_OF = (JSON.parse(readFileSync(path.join(repoRoot, 'docker', 'heap-flags.json'), 'utf8')) as { services: Record<Service, string> }).services;

export type Stack = {
  urls: Record<Service, string>;
  /** Bearer token for `account` with every scope (or the given ones). */
  token(account: string, scopes?: Scope[]): Promise<string>;
  /** Process ids of the services this run started (empty for an external stack). */
  pids: Partial<Record<Service, number>>;
  /** What a started service printed, last part only (for error messages). */
  output(service: Service): string;
  external: boolean;
  /** The settings the run used, for the report. */
  settings: Record<string, string>;
  stop(): Promise<void>;
};

export type StackOptions = {
  label: string;
  /** Extra node flags per service, e.g. {dispatcher: ['--cpu-prof', '--cpu-prof-dir=…']}. */
  nodeArgs?: Partial<Record<Service, string[]>>;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Bundle the four services before starting them (default true). */
  build?: boolean;
};

/** Bundles one project (tools/build/bundle.mjs); throws with esbuild's output when it fails. */
export function bundleProject(project: string): void {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'tools', 'build', 'bundle.mjs'), project], { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`could not bundle ${project}:\n${built.stdout}${built.stderr}`);
}

function bundleOf(service: Service): string {
  const file = path.join(repoRoot, 'dist', 'apps', service, 'main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx nx run-many -t build)`);
  return file;
}

/**
 * An already running stack: BENCH_SUBSCRIPTION_URL, BENCH_INGEST_URL, BENCH_AUDIT_URL and BENCH_DISPATCHER_URL, with
 * BENCH_JWT_SECRET (its HOOKMESH_JWT_SECRET) to sign tokens. Undefined when BENCH_INGEST_URL is not set.
 */
export function externalStackFromEnv(env: NodeJS.ProcessEnv): Stack | undefined {
  const ingest = env['BENCH_INGEST_URL'];
  if (ingest === undefined || ingest === '') return undefined;
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`BENCH_INGEST_URL is set, so ${name} must be too`);
    return value.replace(/\/$/, '');
  };
  const secret = need('BENCH_JWT_SECRET');
  return {
    urls: { 'subscription-service': need('BENCH_SUBSCRIPTION_URL'), 'event-ingest': ingest.replace(/\/$/, ''), dispatcher: need('BENCH_DISPATCHER_URL'), audit: need('BENCH_AUDIT_URL') },
    token: (account, scopes) => signDevToken({ secret, account, ...(scopes ? { scopes } : {}) }),
    pids: {},
    output: () => '',
    external: true,
    settings: { stack: 'external' },
    stop: async () => undefined,
  };
}

/** Creates a database and a stream prefix, runs every service's migrate command, starts the four services. */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (options.build ?? true) for (const service of SERVICES) bundleProject(`apps/${service}`);
  const database: TestDatabase = await createTestDatabase(options.label);
  const nats: TestNats = await createTestNats(options.label);
  const jwtSecret = randomBytes(32).toString('base64url');
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await freePort()] as const))) as Record<Service, number>;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    // One line per request or per delivery would measure the pipe to this process, not the service.
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    HOOKMESH_STREAM_PREFIX: nats.prefix,
    HOOKMESH_JWT_SECRET: jwtSecret,
    HOOKMESH_SECRETS_KEY: `bench:${randomBytes(32).toString('base64')}`,
    // The receiver is on loopback over http: the development switch, logged loudly by every service.
    HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true',
    // Private targets are allowed, so nothing listens beyond loopback.
    HOST: '127.0.0.1',
    // Retries should not happen; if they do, a short schedule lets the run finish and counts them as duplicates.
    HOOKMESH_RETRY_SCHEDULE: '0,500ms,1s,2s',
    HOOKMESH_DELIVERY_TIMEOUT: '10s',
    HOOKMESH_RETENTION: '1h',
    // The limiter is per caller and the bench is one caller: left on, it would measure itself.
    HOOKMESH_RATE_LIMIT_PER_SECOND: '1000000',
    HOOKMESH_RATE_LIMIT_BURST: '1000000',
    HOOKMESH_INGEST_EVENTS_PER_SECOND: '1000000',
    HOOKMESH_INGEST_EVENTS_BURST: '1000000',
    // Tracing runs (spans are created) but nothing is exported, as in an installation without a collector.
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    ...options.env,
  };
  const children = new Map<Service, ChildProcess>();
  const outputs = new Map<Service, string>(SERVICES.map((name) => [name, '']));
  const urls = Object.fromEntries(SERVICES.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<Service, string>;
  // The heap settings the container images set (docker/Dockerfile), so RSS and CPU are measured as deployed.
  const serviceEnv = (name: Service) => ({ ...process.env, NODE_OPTIONS: NODE_OPTIONS_OF[name], ...env, PORT: String(ports[name]), OTEL_SERVICE_NAME: name });

  async function kill(name: Service, signal: NodeJS.Signals): Promise<void> {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  }

  async function cleanup(): Promise<void> {
    await Promise.all(SERVICES.map((name) => kill(name, 'SIGTERM')));
    await nats.cleanup();
    await database.drop();
  }

  try {
    for (const name of SERVICES) {
      await run(process.execPath, [bundleOf(name), 'migrate'], { env: serviceEnv(name), cwd: repoRoot, timeout: 60_000 }).catch((error: { stderr?: string; stdout?: string }) => {
        throw new Error(`${name} migrate failed:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
      });
    }
    for (const name of SERVICES) {
      const flags = options.nodeArgs?.[name] ?? [];
      for (const flag of flags) {
        const dir = /^--cpu-prof-dir=(.+)$/.exec(flag)?.[1];
        if (dir !== undefined) mkdirSync(path.resolve(repoRoot, dir), { recursive: true });
      }
      const child = spawn(process.execPath, ['--enable-source-maps', ...flags, bundleOf(name)], { env: serviceEnv(name), cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => outputs.set(name, (outputs.get(name)! + chunk.toString('utf8')).slice(-20_000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      children.set(name, child);
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${outputs.get(name)!.slice(-3000)}`);
          const response = await fetch(`${urls[name]}/readyz`).catch(() => undefined);
          return response?.ok;
        },
        { timeoutMs: 30_000, intervalMs: 100, label: `${name} ready` },
      );
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    urls,
    token: (account, scopes) => signDevToken({ secret: jwtSecret, account, ...(scopes ? { scopes } : {}) }),
    pids: Object.fromEntries([...children].map(([name, child]) => [name, child.pid])) as Partial<Record<Service, number>>,
    output: (name) => outputs.get(name) ?? '',
    external: false,
    settings: {
      stack: 'started by the bench',
      nats: nats.url,
      stream_prefix: nats.prefix,
      database: new URL(database.url).pathname.slice(1),
      ...Object.fromEntries(Object.entries(options.env ?? {})),
    },
    stop: cleanup,
  };
}

/** The receiver process, reached over loopback HTTP for its counts. */
export type ReceiverProcess = {
  pid: number;
  url(path: string): string;
  summary(): Promise<ReceiverSummary>;
  arrivals(): Promise<Arrival[]>;
  reset(): Promise<void>;
  stop(): Promise<void>;
};

/** Starts receiver-main.ts as its own node process (through tsx) and waits for its port; `delayMs` makes it a slow endpoint. */
export async function startReceiverProcess(options: { delayMs?: number } = {}): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'receiver-main.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RECEIVER_DELAY_MS: String(options.delayMs ?? 0) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the bench receiver did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`the bench receiver exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const getJson = async <T>(route: string): Promise<T> => {
    const response = await fetch(`${base}/_bench/${route}`);
    if (!response.ok) throw new Error(`receiver ${route}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    pid: child.pid!,
    url: (route) => `${base}${route}`,
    summary: () => getJson<ReceiverSummary>('summary'),
    arrivals: () => getJson<Arrival[]>('arrivals'),
    async reset() {
      const response = await fetch(`${base}/_bench/reset`, { method: 'POST' });
      if (response.status !== 204) throw new Error(`receiver reset: ${response.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
