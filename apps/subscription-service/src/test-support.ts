// Tests only: the real service (app, KV publisher, CONTROL consumer, pruner) on 127.0.0.1:0 against real Postgres and NATS.
import { natsNames, parseSecretsKey, type NatsNames, type SealingKey } from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import type { Resolver } from '@hookmesh/egress';
import { createTokenVerifier, signDevToken, startHttpServer, type Scope } from '@hookmesh/http';
import { createSharedRateLimiter } from '@hookmesh/rate-limit';
import {
  connectNats,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type NatsConnection,
  type RunningConsumer,
} from '@hookmesh/messaging';
import { createTestDatabase, createTestNats, waitFor, type TestDatabase, type TestNats } from '@hookmesh/testing';
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from './app';
import type { CallbackLimits } from './domain/callback-limits';
import { startControlConsumer } from './messaging/control-consumer';
import { nextEventSeq, setupSubscriptionNats } from './messaging/setup';
import { createStatePublisher, type StatePublisher } from './messaging/state-publisher';
import { startCircuitView } from './messaging/circuit-view';
import { createServiceMetrics } from './metrics';
import { SUBSCRIPTION_SCHEMA, type SubscriptionDatabase } from './storage/database';
import { subscriptionMigrations } from './storage/migrations';
import { startExpiryPruner, type ExpiryPruner } from './storage/prune-expired';
import type { PortalLinkSettings } from './domain/portal-links';

export const TEST_JWT_SECRET = 'subscription-service-test-secret-0123456789';

/** Fixed DNS for tests: names chosen to land in each address class; any other name is public. */
export const TEST_DNS: Readonly<Record<string, readonly string[]>> = {
  'loopback.example.test': ['127.0.0.1'],
  'private.example.test': ['10.1.2.3'],
  'cgnat.example.test': ['100.64.1.1'],
  'metadata.example.test': ['169.254.169.254'],
  'v6-loopback.example.test': ['::1'],
  'v6-private.example.test': ['fd12:3456::1'],
  'mapped.example.test': ['::ffff:127.0.0.1'],
  'rebinding.example.test': ['93.184.216.34', '192.168.1.20'],
};

export const testResolver: Resolver = async (hostname) => {
  if (hostname.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [...(TEST_DNS[hostname] ?? ['93.184.216.34'])];
};

/** A pino logger whose JSON lines can be read back. */
export function captureLog(): { log: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    log: pino({ level: 'debug' }, stream),
    lines: () => raw.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

export interface TestServiceOptions {
  label: string;
  /** NATS to use instead of the shared test server (e.g. startOwnNatsServer()); its streams are not cleaned up. */
  natsUrl?: string;
  /** The stream prefix with `natsUrl` (a prefix the test reserved and cleans up itself); random otherwise. */
  prefix?: string;
  /** HOOKMESH_PUBLISH_TIMEOUT; default 1 s. */
  publishTimeoutMs?: number;
  /** Postgres URL instead of a fresh test database (e.g. a closed port); migrations are then skipped. */
  databaseUrl?: string;
  allowPrivateTargets?: boolean;
  /** Default 60 s: pruning stays out of the way unless a test asks for it. */
  pruneIntervalMs?: number;
  kvRepublishIntervalMs?: number;
  rateLimit?: { ratePerSecond: number; burst: number };
  /** HOOKMESH_DEFAULT_PROFILE; standard by default. */
  defaultProfile?: string;
  /** HOOKMESH_DELIVERY_TIMEOUT in ms; 30 s by default. */
  deliveryTimeoutMs?: number;
  /** Default: the production defaults (100 per account, 25 per message type). */
  callbackLimits?: CallbackLimits;
  /** Default: links to https://console.example.com/ signed with the test secret, up to 24 h. */
  portalLinks?: PortalLinkSettings;
  now?: () => Date;
  /** HOOKMESH_MAX_RATE_PER_SECOND; default 1000. */
  maxRatePerSecond?: number;
}

/** The console address test services put in portal links. */
export const TEST_CONSOLE_URL = 'https://console.example.com/';

export interface TestService {
  url: string;
  api(account: string): string;
  db: Kysely<SubscriptionDatabase>;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: KV;
  prefix: string;
  names: NatsNames;
  keys: SealingKey[];
  publisher: StatePublisher;
  logs: ReturnType<typeof captureLog>;
  /** A bearer token for `account` (every scope unless given). */
  token(account: string, scopes?: readonly Scope[]): Promise<string>;
  /** An operator token (scope admin, no account) for /admin/api/v1/... */
  adminToken(): Promise<string>;
  /** The operator API's base URL. */
  adminApi: string;
  close(): Promise<void>;
}

/** Starts the whole service on fresh resources; close() stops it and deletes its database and streams. */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const logs = captureLog();
  const log = logs.log;
  let testDb: TestDatabase | undefined;
  let testNats: TestNats | undefined;
  if (options.databaseUrl === undefined) testDb = await createTestDatabase(options.label);
  if (options.natsUrl === undefined) testNats = await createTestNats(options.label);
  const prefix = testNats?.prefix ?? options.prefix ?? `${options.label.replace(/[^A-Za-z0-9]/g, '').slice(0, 10)}${randomBytes(3).toString('hex')}_`;
  const names = natsNames(prefix);
  const keys = parseSecretsKey(`k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`);

  const db = createDatabase<SubscriptionDatabase>({
    connectionString: options.databaseUrl ?? testDb!.url,
    schema: SUBSCRIPTION_SCHEMA,
    poolSize: 5,
    connectionTimeoutMs: 1_000,
  });
  if (testDb !== undefined) await migrateToLatest(db, SUBSCRIPTION_SCHEMA, subscriptionMigrations);
  const nc = await connectNats({ servers: options.natsUrl ?? testNats!.url, name: `test-${options.label}`, log });
  const js = jetstream(nc, { timeout: options.publishTimeoutMs ?? 1_000 });
  const jsm = await jetstreamManager(nc);
  const kv = await setupSubscriptionNats(jsm, js, names, { prefix, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, replicas: 1 });

  const registry = new Registry();
  const metrics = createServiceMetrics(registry);
  const publisher = createStatePublisher({ db, kv, names, nc, log, metrics, intervalMs: options.kvRepublishIntervalMs ?? 500 });
  publisher.start();
  let control: RunningConsumer | undefined;
  let pruner: ExpiryPruner | undefined;
  if (testDb !== undefined) {
    await publisher.reconcile();
    control = startControlConsumer({ js, jsm, names, db, log, metrics, publisher, now: options.now });
    pruner = startExpiryPruner({ db, log, intervalMs: options.pruneIntervalMs ?? 60_000, onPruned: () => publisher.kick(), now: options.now });
  }

  const circuits = startCircuitView({ js, jsm, names, log, retryMs: 200 });
  // Tests read health from the first request on.
  await waitFor(() => circuits.loaded(), { timeoutMs: 5_000, label: 'circuit records read' });
  const rates = options.rateLimit ?? { ratePerSecond: 1_000, burst: 1_000 };
  const rateLimiter = createSharedRateLimiter({ nc, subject: names.rateLimitSubject('subscription-service.requests'), ...rates, syncIntervalMs: 20, log });
  const app = createApp({
    db,
    nc,
    js,
    names,
    log,
    registry,
    metrics,
    verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }),
    sealingKey: keys[0]!,
    urlPolicy: { allowPrivateTargets: options.allowPrivateTargets ?? false, resolver: testResolver },
    callbackLimits: options.callbackLimits ?? { perAccount: 100, perMessageType: 25 },
    publisher,
    rateLimiter,
    publishTimeoutMs: options.publishTimeoutMs ?? 1_000,
    delivery: { defaultProfile: options.defaultProfile ?? 'standard', timeoutMs: options.deliveryTimeoutMs ?? 30_000, maxRatePerSecond: options.maxRatePerSecond ?? 1000, naming: { headerPrefix: 'X-Hookmesh', userAgent: 'Hookmesh-Webhook/1.0' } },
    portalLinks: options.portalLinks ?? { consoleUrl: TEST_CONSOLE_URL, token: { secret: TEST_JWT_SECRET, maxLifetimeSeconds: 24 * 3600 } },
    circuits,
    nextEventSeq: () => nextEventSeq(jsm, names),
    now: options.now,
  });
  const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log, shutdownTimeoutMs: 2_000 });
  const url = `http://127.0.0.1:${server.port}`;

  return {
    url,
    api: (account) => `${url}/${account}/api/v1`,
    db,
    nc,
    js,
    jsm,
    kv,
    prefix,
    names,
    keys,
    publisher,
    logs,
    token: (account, scopes) => signDevToken({ secret: TEST_JWT_SECRET, account, ...(scopes ? { scopes } : {}) }),
    adminToken: () => signDevToken({ secret: TEST_JWT_SECRET, scopes: ['admin'], subject: 'test-operator' }),
    adminApi: `${url}/admin/api/v1`,
    async close() {
      await server.close();
      await control?.stop();
      await circuits.stop();
      pruner?.stop();
      await publisher.stop();
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
      await db.destroy();
      await testDb?.drop();
      await testNats?.cleanup();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (problem documents included), or undefined when the body is not JSON. */
  body: unknown;
}

/** One HTTP request to the service; `json` is sent as application/json, `raw` verbatim. */
export async function call(
  url: string,
  init: { method?: string; token?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.raw !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = init.raw;
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** The problem `errors` of a 4xx answer as "path code" strings, for compact assertions. */
export function problemCodes(result: HttpResult): string[] {
  const errors = (result.body as { errors?: Array<{ path: string; code: string }> } | undefined)?.errors ?? [];
  return errors.map((error) => `${error.path} ${error.code}`);
}
