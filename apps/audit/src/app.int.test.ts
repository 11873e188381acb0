import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { natsNames, newMessageId } from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTokenBuckets, createTokenVerifier, signDevToken, startHttpServer, type RunningHttpServer } from '@hookmesh/http';
import { createLogger } from '@hookmesh/logging';
import { connectNats, jetstream, jetstreamManager, openKv, type NatsConnection } from '@hookmesh/messaging';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { createTestDatabase, startOwnNatsServer, waitFor, type OwnNatsServer, type TestDatabase } from '@hookmesh/testing';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { ensureAuditStreams } from './messaging/streams';
import { createAuditMetrics } from './metrics';
import { writeAuditRecords } from './storage/audit-records';
import { AUDIT_SCHEMA, type AuditDatabase, type AuditDb } from './storage/database';
import { writeEvents } from './storage/event-log';
import { auditMigrations } from './storage/migrations';
import { TEST_JWT_SECRET, attemptRecord, createdRecord, deliveryRef, eventRecord } from './test-support';

const A = 'masonhub';
const log = createLogger({ service: 'audit-test', level: 'silent' });

describe('readiness and redelivery when NATS goes away (a private nats-server, killed and restarted)', () => {
  let nats: OwnNatsServer;
  let testDb: TestDatabase;
  let db: AuditDb;
  let nc: NatsConnection;
  let server: RunningHttpServer;
  let url: string;
  let view: SubscriptionView;
  const ref = deliveryRef(A, newMessageId(), 'cb-1', 'orderEvent');

  beforeAll(async () => {
    nats = await startOwnNatsServer();
    testDb = await createTestDatabase('auditready');
    db = createDatabase<AuditDatabase>({ connectionString: testDb.url, schema: AUDIT_SCHEMA });
    await migrateToLatest(db, AUDIT_SCHEMA, auditMigrations);
    await db.transaction().execute(async (trx) => {
      await writeEvents(trx, [{ record: eventRecord(A, ref.messageId, 'orderEvent', '2026-05-01T00:00:00.000Z'), streamSeq: 1, publishedAt: '2026-05-01T00:00:00.000Z' }]);
      await writeAuditRecords(
        trx,
        [createdRecord(ref, '2026-05-01T00:00:01.000Z'), attemptRecord(ref, { attempt: 1, startedAt: '2026-05-01T00:00:02.000Z', latencyMs: 5, statusCode: 500, outcome: 'failed' })],
        { excerptMax: 2048 },
      );
    });
    nc = await connectNats({ servers: nats.url, name: 'audit-ready-test', log });
    const settings = { prefix: '', maxAgeMs: 86_400_000, duplicateWindowMs: 60_000, replicas: 1 };
    await ensureAuditStreams(await jetstreamManager(nc), settings);
    const registry = new Registry();
    view = await startSubscriptionView({ kv: await openKv(jetstream(nc), natsNames('').kv.bucket), prefix: '', log });
    const app = createApp({
      db,
      nc,
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      view,
      prefix: '',
      log,
      registry,
      metrics: createAuditMetrics(registry),
      verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }),
      rateLimiter: createTokenBuckets({ ratePerSecond: 1000, burst: 1000 }),
      readinessTimeoutMs: 1_000,
      publishTimeoutMs: 1_000,
    });
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log, shutdownTimeoutMs: 1_000 });
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await view.stop();
    await nc.close();
    await nats.destroy();
    await db.destroy();
    await testDb.drop();
  });

  const redeliver = async (): Promise<Response> =>
    fetch(`${url}/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signDevToken({ secret: TEST_JWT_SECRET, account: A, subject: 'ops' })}` },
    });

  it('turns not ready and answers redeliver with 503 + Retry-After without changing anything, then recovers', async () => {
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await nats.stop();

    const notReady = await waitFor(async () => {
      const res = await fetch(`${url}/readyz`);
      return res.status === 503 ? ((await res.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
    }, { label: 'not ready without NATS' });
    expect(notReady.checks).toMatchObject({ nats: { ok: false }, postgres: { ok: true } });

    const refused = await redeliver();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await db.selectFrom('deliveries').select(['status', 'series']).where('id', '=', ref.deliveryId).executeTakeFirst()).toEqual({ status: 'failed', series: 0 });
    expect(await db.selectFrom('redelivery_requests').selectAll().execute()).toEqual([]);

    await nats.start();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { label: 'ready again', timeoutMs: 15_000 });
    const accepted = await redeliver();
    expect(accepted.status).toBe(202);
    // The refused request allocated nothing: the first series that reaches JetStream is 1.
    expect(await accepted.json()).toEqual({ delivery_id: ref.deliveryId, series: 1 });
  });
});
