// Starts the four services as real processes (the bundles in dist/) against the test Postgres
// and NATS, each run isolated by its own database and stream prefix. Fault tests can run several
// instances of a service, point the platform at their own nats-server, route one service's
// DATABASE_URL through a proxy they cut, and kill or start single instances.
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
  /** Extra environment for one service only (applied after `env`). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  otlpEndpoint?: string;
  /** How many processes of a service run side by side (each on its own port); 1 by default. */
  instances?: Partial<Record<ServiceName, number>>;
  /** A NATS server of the test's own (e.g. startOwnNatsServer()), instead of the shared test NATS. */
  natsUrl?: string;
  /** Rewrites the DATABASE_URL one service serves with (e.g. through startTcpProxy); migrations use the direct URL. */
  databaseUrl?: Partial<Record<ServiceName, (url: string) => string>>;
  /** How a service process is started (`migrate` or serving); the bundles in dist/ by default. */
  launcher?: ServiceLauncher;
};

/**
 * The command that runs one service with `args` (`['migrate']`, or none to serve). `env` is the Hookmesh
 * environment of that process; it is also in the launched command's own environment, on top of the test's.
 */
export type ServiceLauncher = (service: ServiceName, args: readonly string[], env: Readonly<Record<string, string>>) => { command: string; args: string[] };

export type Platform = {
  /** The URL of each service's first instance. */
  urls: Record<ServiceName, string>;
  /** The HOOKMESH_STREAM_PREFIX every service runs with (natsNames(prefix) names its streams). */
  readonly prefix: string;
  /** The NATS server the services use. */
  readonly natsUrl: string;
  /** The URL of every instance of a service, in instance order. */
  instanceUrls(service: ServiceName): string[];
  /** `${urls[service]}/${account}/api/v1` */
  api(service: ServiceName, account: string): string;
  /** A bearer token for the account (every scope unless given); `subject` names its `sub` (default: the dev subject). */
  token(account: string, scopes?: Scope[], options?: { subject?: string }): Promise<string>;
  /** An operator token (scope admin, no account) for /admin/api/v1/... */
  adminToken(): Promise<string>;
  /** Everything a service (all its instances) printed so far. */
  output(service: ServiceName): string;
  /** Kills one instance, or every instance when `instance` is omitted, and waits for the exit. */
  kill(service: ServiceName, signal?: NodeJS.Signals, instance?: number): Promise<void>;
  /** Starts one instance, or every instance not running when `instance` is omitted; resolves once ready. */
  start(service: ServiceName, instance?: number): Promise<void>;
  /** Whether that instance's process is alive. */
  running(service: ServiceName, instance?: number): boolean;
  stop(): Promise<void>;
};

function bundle(service: string): string {
  const file = path.join(repoRoot, 'dist', 'apps', service, 'main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx nx run-many -t build)`);
  return file;
}

/** Runs a service's bundle from dist/ with the test's own Node. */
export const bundleLauncher: ServiceLauncher = (service, args) => ({ command: process.execPath, args: ['--enable-source-maps', bundle(service), ...args] });

type Instance = { service: ServiceName; index: number; port: number; url: string; child?: ChildProcess };

const alive = (child: ChildProcess | undefined): child is ChildProcess => child !== undefined && child.exitCode === null && child.signalCode === null;

/** Starts Postgres database, stream prefix and the services (N instances each); resolves when all are ready. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const database: TestDatabase = await createTestDatabase(options.label);
  const nats: TestNats = await createTestNats(options.label, options.natsUrl ? { url: options.natsUrl } : {});
  const jwtSecret = randomBytes(32).toString('base64url');
  const instances = new Map<ServiceName, Instance[]>();
  for (const service of SERVICE_NAMES) {
    const count = Math.max(1, options.instances?.[service] ?? 1);
    const list: Instance[] = [];
    for (let index = 0; index < count; index += 1) {
      const port = await freePort();
      list.push({ service, index, port, url: `http://127.0.0.1:${port}` });
    }
    instances.set(service, list);
  }
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    HOOKMESH_STREAM_PREFIX: nats.prefix,
    HOOKMESH_JWT_SECRET: jwtSecret,
    HOOKMESH_SECRETS_KEY: `e2e:${randomBytes(32).toString('base64')}`,
    HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true',
    // Private targets are allowed, so nothing listens beyond loopback.
    HOST: '127.0.0.1',
    HOOKMESH_RETRY_SCHEDULE: '0,200ms,400ms',
    HOOKMESH_DELIVERY_TIMEOUT: '5s',
    HOOKMESH_RATE_LIMIT_PER_SECOND: '1000',
    HOOKMESH_RATE_LIMIT_BURST: '5000',
    HOOKMESH_INGEST_EVENTS_PER_SECOND: '100000',
    HOOKMESH_INGEST_EVENTS_BURST: '100000',
    ...(options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint } : {}),
    ...options.env,
  };
  const outputs = new Map<ServiceName, string[]>(SERVICE_NAMES.map((name) => [name, []]));
  const first = (name: ServiceName): Instance => instances.get(name)![0]!;
  const urls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, first(name).url])) as Record<ServiceName, string>;
  const launcher = options.launcher ?? bundleLauncher;
  const baseEnv = (name: ServiceName): Record<string, string> => ({ ...env, ...options.serviceEnv?.[name], OTEL_SERVICE_NAME: name });
  const serveEnv = (instance: Instance): Record<string, string> => {
    const rewrite = options.databaseUrl?.[instance.service];
    return { ...baseEnv(instance.service), PORT: String(instance.port), ...(rewrite ? { DATABASE_URL: rewrite(database.url) } : {}) };
  };

  for (const name of SERVICE_NAMES) {
    const migrateEnv = { ...baseEnv(name), PORT: String(first(name).port) };
    const command = launcher(name, ['migrate'], migrateEnv);
    await run(command.command, command.args, { env: { ...process.env, ...migrateEnv }, cwd: repoRoot, timeout: 120_000 }).catch((error: { stderr?: string; stdout?: string; message?: string }) => {
      throw new Error(`${name} migrate failed:\n${error.stderr ?? ''}${error.stdout ?? ''}${error.stderr || error.stdout ? '' : (error.message ?? '')}`);
    });
  }

  function instanceOf(name: ServiceName, index: number): Instance {
    const instance = instances.get(name)![index];
    if (!instance) throw new Error(`${name} has no instance ${index} (it runs ${instances.get(name)!.length})`);
    return instance;
  }

  async function startInstance(instance: Instance): Promise<void> {
    if (alive(instance.child)) return;
    const { service } = instance;
    const ownEnv = serveEnv(instance);
    const command = launcher(service, [], ownEnv);
    const child = spawn(command.command, command.args, { env: { ...process.env, ...ownEnv }, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = outputs.get(service)!;
    child.stdout!.on('data', (chunk: Buffer) => sink.push(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => sink.push(chunk.toString('utf8')));
    instance.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service}#${instance.index} exited with ${child.exitCode}:\n${sink.join('').slice(-3000)}`);
        const response = await fetch(`${instance.url}/readyz`).catch(() => undefined);
        return response?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, label: `${service}#${instance.index} ready` },
    );
  }

  async function killInstance(instance: Instance, signal: NodeJS.Signals): Promise<void> {
    const child = instance.child;
    if (!alive(child)) return;
    await new Promise<void>((resolve) => {
      // A graceful stop that hangs (a dependency is gone) must not hang the test run.
      const force = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        if (force) clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  }

  const all = (): Instance[] => SERVICE_NAMES.flatMap((name) => instances.get(name)!);
  const targets = (name: ServiceName, index: number | undefined): Instance[] => (index === undefined ? instances.get(name)! : [instanceOf(name, index)]);

  try {
    for (const name of SERVICE_NAMES) {
      for (const instance of instances.get(name)!) await startInstance(instance);
    }
  } catch (error) {
    await Promise.all(all().map((instance) => killInstance(instance, 'SIGKILL')));
    await nats.cleanup();
    await database.drop();
    throw error;
  }

  return {
    urls,
    prefix: env['HOOKMESH_STREAM_PREFIX'] ?? nats.prefix,
    natsUrl: nats.url,
    instanceUrls: (name) => instances.get(name)!.map((instance) => instance.url),
    api: (service, account) => `${urls[service]}/${account}/api/v1`,
    token: (account, scopes, tokenOptions) => signDevToken({ secret: jwtSecret, account, ...(scopes ? { scopes } : {}), ...(tokenOptions?.subject ? { subject: tokenOptions.subject } : {}) }),
    adminToken: () => signDevToken({ secret: jwtSecret, scopes: ['admin'], subject: 'test-operator' }),
    output: (name) => outputs.get(name)!.join(''),
    async kill(name, signal = 'SIGKILL', index) {
      await Promise.all(targets(name, index).map((instance) => killInstance(instance, signal)));
    },
    async start(name, index) {
      for (const instance of targets(name, index)) await startInstance(instance);
    },
    running: (name, index = 0) => alive(instanceOf(name, index).child),
    async stop() {
      await Promise.all(all().map((instance) => killInstance(instance, 'SIGTERM')));
      await nats.cleanup();
      await database.drop();
    },
  };
}
