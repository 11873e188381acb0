// Starts the four services as real processes (the bundles in dist/) against the test Postgres
// and NATS, each run isolated by its own database and stream prefix.
import { signDevToken, type Scope } from '@hookmesh/http';
import { createTestDatabase, type TestDatabase } from '../postgres';
import { createTestNats, type TestNats } from '../nats';
import { freePort } from '../ports';
import { waitFor } from '../wait';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

export const SERVICE_NAMES = ['subscription-service', 'event-ingest', 'dispatcher', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type PlatformOptions = {
  label: string;
  /** Extra environment for every service (e.g. a fast retry schedule). */
  env?: Record<string, string>;
  otlpEndpoint?: string;
};

export type Platform = {
  urls: Record<ServiceName, string>;
  /** `${urls[service]}/${account}/api/v1` */
  api(service: ServiceName, account: string): string;
  token(account: string, scopes?: Scope[]): Promise<string>;
  /** Everything a service printed so far. */
  output(service: ServiceName): string;
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  start(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
};

function bundle(service: string): string {
  const file = path.join(repoRoot, 'dist', 'apps', service, 'main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx nx run-many -t build)`);
  return file;
}

/** Starts Postgres database, stream prefix and the four services; resolves when all are ready. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const database: TestDatabase = await createTestDatabase(options.label);
  const nats: TestNats = await createTestNats(options.label);
  const jwtSecret = randomBytes(32).toString('base64url');
  const ports = Object.fromEntries(await Promise.all(SERVICE_NAMES.map(async (name) => [name, await freePort()] as const))) as Record<ServiceName, number>;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    HOOKMESH_STREAM_PREFIX: nats.prefix,
    HOOKMESH_JWT_SECRET: jwtSecret,
    HOOKMESH_SECRETS_KEY: `e2e:${randomBytes(32).toString('base64')}`,
    HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKMESH_RETRY_SCHEDULE: '0,200ms,400ms',
    HOOKMESH_DELIVERY_TIMEOUT: '5s',
    HOOKMESH_RATE_LIMIT_PER_SECOND: '1000',
    HOOKMESH_RATE_LIMIT_BURST: '5000',
    ...(options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint } : {}),
    ...options.env,
  };
  const children = new Map<ServiceName, ChildProcess>();
  const outputs = new Map<ServiceName, string[]>(SERVICE_NAMES.map((name) => [name, []]));
  const urls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<ServiceName, string>;
  const serviceEnv = (name: ServiceName) => ({ ...process.env, ...env, PORT: String(ports[name]), OTEL_SERVICE_NAME: name });

  for (const name of SERVICE_NAMES) {
    await run(process.execPath, [bundle(name), 'migrate'], { env: serviceEnv(name), cwd: repoRoot, timeout: 60_000 }).catch((error: { stderr?: string; stdout?: string }) => {
      throw new Error(`${name} migrate failed:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
    });
  }

  async function start(name: ServiceName): Promise<void> {
    const child = spawn(process.execPath, ['--enable-source-maps', bundle(name)], { env: serviceEnv(name), cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = outputs.get(name)!;
    child.stdout!.on('data', (chunk: Buffer) => sink.push(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => sink.push(chunk.toString('utf8')));
    children.set(name, child);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${sink.join('').slice(-3000)}`);
        const response = await fetch(`${urls[name]}/readyz`).catch(() => undefined);
        return response?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, label: `${name} ready` },
    );
  }

  async function kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  try {
    for (const name of SERVICE_NAMES) await start(name);
  } catch (error) {
    await Promise.all(SERVICE_NAMES.map((name) => kill(name)));
    await nats.cleanup();
    await database.drop();
    throw error;
  }

  return {
    urls,
    api: (service, account) => `${urls[service]}/${account}/api/v1`,
    token: (account, scopes) => signDevToken({ secret: jwtSecret, account, ...(scopes ? { scopes } : {}) }),
    output: (name) => outputs.get(name)!.join(''),
    kill,
    start,
    async stop() {
      await Promise.all(SERVICE_NAMES.map((name) => kill(name, 'SIGTERM')));
      await nats.cleanup();
      await database.drop();
    },
  };
}
