// Test-only helpers: a real audit app on 127.0.0.1:0 over a fresh database and stream prefix, a TCP proxy that
// can cut Postgres off, and audit records built from the seed payloads. Never imported by main.ts.
import {
  auditMsgId,
  deliveryIdFor,
  eventMsgId,
  eventTypes,
  natsNames,
  parseSecretsKey,
  sealSecret,
  type AttemptRecord,
  type CallbackState,
  type AuditRecord,
  type DeliveryCreatedRecord,
  type EventRecord,
  type BuiltinMessageType,
  type MessageType,
  type NatsNames,
} from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTokenBuckets, createTokenVerifier, signDevToken, startHttpServer, type Scope } from '@hookmesh/http';
import { createLogger } from '@hookmesh/logging';
import {
  connectNats,
  jetstream,
  jetstreamManager,
  openKv,
  publishJson,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from '@hookmesh/messaging';
import { startSubscriptionView } from '@hookmesh/subscription-view';
import { createTestDatabase, createTestNats, waitFor, type TestDatabase, type TestNats } from '@hookmesh/testing';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { startAuditConsumers, type AuditConsumerOptions, type AuditConsumers } from './messaging/consumers';
import { ensureAuditStreams } from './messaging/streams';
import { createAuditMetrics, type AuditMetrics } from './metrics';
import { AUDIT_SCHEMA, type AuditDatabase, type AuditDb } from './storage/database';
import { auditMigrations } from './storage/migrations';

export const TEST_JWT_SECRET = 'audit-test-secret-that-is-long-enough-for-hs256';
const silent = createLogger({ service: 'audit-test', level: 'silent' });

export interface AuditHarness {
  url: string;
  db: AuditDb;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  prefix: string;
  metrics: AuditMetrics;
  registry: Registry;
  /** A direct connection to the test database, untouched by any proxy. */
  directDb: AuditDb;
  token(account: string, options?: { scopes?: readonly Scope[]; subject?: string }): Promise<string>;
  /** Calls the app with a bearer token for `account` (all scopes unless given). */
  call(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<Response>;
  startConsumers(options?: Partial<AuditConsumerOptions>): AuditConsumers;
  publishEvent(record: EventRecord): Promise<void>;
  publishRecord(record: AuditRecord, msgID?: string): Promise<void>;
  /** Puts a callback's state in the subscription KV bucket, as subscription-service would, and waits until audit sees it. */
  putCallbackState(account: string, callbackId: string, status: CallbackState['status']): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Rewrites the database URL the app and consumers use (e.g. through a proxy). */
  databaseUrl?: (url: string) => string;
  now?: () => Date;
  connectionTimeoutMs?: number;
}

/** Starts the audit app on a fresh database and stream prefix; close() removes both. */
export async function startAuditHarness(label: string, options: HarnessOptions = {}): Promise<AuditHarness> {
  const testDb: TestDatabase = await createTestDatabase(label);
  const testNats: TestNats = await createTestNats(label);
  const directDb = createDatabase<AuditDatabase>({ connectionString: testDb.url, schema: AUDIT_SCHEMA });
  await migrateToLatest(directDb, AUDIT_SCHEMA, auditMigrations);
  const db = options.databaseUrl
    ? createDatabase<AuditDatabase>({
        connectionString: options.databaseUrl(testDb.url),
        schema: AUDIT_SCHEMA,
        connectionTimeoutMs: options.connectionTimeoutMs ?? 1_000,
      })
    : directDb;
  const nc = await connectNats({ servers: testNats.url, name: `audit-test-${label}`, log: silent });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const settings = { prefix: testNats.prefix, maxAgeMs: 86_400_000, duplicateWindowMs: 60_000, replicas: 1 };
  await ensureAuditStreams(jsm, settings);
  const names = natsNames(testNats.prefix);
  const registry = new Registry();
  const metrics = createAuditMetrics(registry);
  const kv = await openKv(js, names.kv.bucket);
  const view = await startSubscriptionView({ kv, prefix: testNats.prefix, log: silent });
  const app = createApp({
    db,
    nc,
    js,
    jsm,
    view,
    prefix: testNats.prefix,
    log: silent,
    registry,
    metrics,
    verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }),
    rateLimiter: createTokenBuckets({ ratePerSecond: 10_000, burst: 10_000 }),
    now: options.now,
    readinessTimeoutMs: 2_000,
  });
  const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log: silent, shutdownTimeoutMs: 2_000 });
  const url = `http://127.0.0.1:${server.port}`;
  const running: AuditConsumers[] = [];

  const token: AuditHarness['token'] = (account, tokenOptions = {}) =>
    signDevToken({ secret: TEST_JWT_SECRET, account, scopes: tokenOptions.scopes, subject: tokenOptions.subject, ttlSeconds: 600 });

  return {
    url,
    db,
    nc,
    js,
    jsm,
    names,
    prefix: testNats.prefix,
    metrics,
    registry,
    directDb,
    token,
    async call(path, init = {}) {
      const account = /^\/([^/]+)\//.exec(path)?.[1] ?? 'none';
      const bearer = init.token ?? (await token(account));
      return fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${bearer}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    },
    startConsumers(overrides = {}) {
      const consumers = startAuditConsumers({
        db,
        nc,
        js,
        jsm,
        prefix: testNats.prefix,
        log: silent,
        metrics,
        batchSize: 50,
        excerptMax: 2048,
        batchWaitMs: 20,
        retryDelayMs: 200,
        ...overrides,
      });
      running.push(consumers);
      return consumers;
    },
    async publishEvent(record) {
      await publishJson(js, names.eventSubject(record.account, record.message_type), record, { msgID: eventMsgId(record) });
    },
    async publishRecord(record, msgID) {
      await publishJson(js, names.auditSubject(record.account, record.kind), record, { msgID: msgID ?? auditMsgId(record) });
    },
    async putCallbackState(account, callbackId, status) {
      const [key] = parseSecretsKey(`test:${randomBytes(32).toString('base64')}`);
      const state: CallbackState = {
        id: callbackId,
        account,
        url: 'https://client.com/hooks',
        message_type: 'orderEvent',
        api_version: '1.0',
        status,
        profile: 'standard',
        signed: true,
        secrets: [{ secret: sealSecret(`whsec_${randomBytes(24).toString('base64')}`, key!) }],
        updated_at: new Date().toISOString(),
      };
      await kv.put(names.kv.callbackKey(account, callbackId), JSON.stringify(state));
      await waitFor(() => view.callback(account, callbackId)?.status === status, { label: `audit sees ${callbackId} ${status}` });
    },
    async close() {
      await server.close();
      for (const consumers of running) await consumers.stop();
      await view.stop();
      await nc.drain();
      if (db !== directDb) await db.destroy();
      await directDb.destroy();
      await testDb.drop();
      await testNats.cleanup();
    },
  };
}

/** The seed payload of a message type (contracts carry MasonHub's Callback API and payload docs verbatim). */
export function seedData(messageType: BuiltinMessageType): unknown {
  return eventTypes[messageType].example.data;
}

/** An EventRecord of `messageType` with the seed payload. */
export function eventRecord(account: string, messageId: string, messageType: BuiltinMessageType, ingestedAt: string, idempotencyKey?: string): EventRecord {
  return {
    message_id: messageId,
    account,
    message_type: messageType,
    api_version: '1.0',
    data: seedData(messageType),
    ingested_at: ingestedAt,
    ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }),
  };
}

export interface DeliveryRef {
  account: string;
  messageId: string;
  callbackId: string;
  messageType: MessageType;
  deliveryId: string;
}

/** Names one delivery (event × callback) the way the dispatcher does. */
export function deliveryRef(account: string, messageId: string, callbackId: string, messageType: MessageType): DeliveryRef {
  return { account, messageId, callbackId, messageType, deliveryId: deliveryIdFor(messageId, callbackId) };
}

function identityOf(ref: DeliveryRef) {
  return { delivery_id: ref.deliveryId, message_id: ref.messageId, account: ref.account, callback_id: ref.callbackId, message_type: ref.messageType };
}

/** The fan-out's delivery_created record. */
export function createdRecord(ref: DeliveryRef, createdAt: string, series = 0): DeliveryCreatedRecord {
  return { kind: 'delivery_created', ...identityOf(ref), series, created_at: createdAt, trace_id: null };
}

/** One HTTP attempt record; a 2xx status means delivered, anything else retrying unless `outcome` says otherwise. */
export function attemptRecord(
  ref: DeliveryRef,
  attempt: { series?: number; attempt: number; startedAt: string; latencyMs: number; statusCode: number | null; outcome?: AttemptRecord['outcome']; excerpt?: string | null },
): AttemptRecord {
  const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  const outcome = attempt.outcome ?? (ok ? 'delivered' : 'retrying');
  return {
    kind: 'attempt',
    ...identityOf(ref),
    series: attempt.series ?? 0,
    attempt: attempt.attempt,
    url: `https://client.com/api/${ref.messageType}`,
    started_at: attempt.startedAt,
    latency_ms: attempt.latencyMs,
    status_code: attempt.statusCode,
    outcome,
    error_class: ok ? null : attempt.statusCode === null ? 'timeout' : 'http_status',
    error_message: ok ? null : attempt.statusCode === null ? 'timed out after 30000 ms' : `HTTP ${attempt.statusCode}`,
    response_excerpt: attempt.excerpt ?? (ok ? '{"received":true}' : '{"error":"unavailable"}'),
    next_attempt_at: outcome === 'retrying' ? new Date(Date.parse(attempt.startedAt) + 5_000).toISOString() : null,
    trace_id: null,
  };
}
