// Composition root: reads the environment, connects, starts, stops. `node main.js migrate` sets up and exits.
import { telemetry } from './instrument';
import { loadConfigOrExit } from '@hookmesh/config';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTokenVerifier, startHttpServer } from '@hookmesh/http';
import { createShutdown } from '@hookmesh/lifecycle';
import { createLogger } from '@hookmesh/logging';
import { connectNats, consumerLag, jetstream, jetstreamManager, openKv, streamSettingsFromEnv } from '@hookmesh/messaging';
import { createSharedRateLimiter } from '@hookmesh/rate-limit';
import { startSubscriptionView } from '@hookmesh/subscription-view';
import { natsNames } from '@hookmesh/contracts';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from './app';
import { loadConfig } from './config';
import { startAuditConsumers } from './messaging/consumers';
import { ensureAuditStreams } from './messaging/streams';
import { createAuditMetrics } from './metrics';
import { AUDIT_SCHEMA, type AuditDatabase } from './storage/database';
import { auditMigrations } from './storage/migrations';
import { SERVICE_NAME } from './service-name';
import { startPruner } from './storage/retention';

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadConfig);
  const log = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const migrateOnly = process.argv[2] === 'migrate';
  const shutdown = createShutdown(log);

  const db = createDatabase<AuditDatabase>({
    connectionString: config.DATABASE_URL,
    schema: AUDIT_SCHEMA,
    onQueryError: (event) => log.debug({ err: 'error' in event ? event.error : undefined }, 'query failed'),
  });
  const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE_NAME, log });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const streams = streamSettingsFromEnv(config);

  const migration = await migrateToLatest(db, AUDIT_SCHEMA, auditMigrations);
  log.info({ applied: migration.results?.map((result) => result.migrationName) ?? [] }, 'audit schema migrated');
  await ensureAuditStreams(jsm, streams);
  if (migrateOnly) {
    await nc.drain();
    await db.destroy();
    await telemetry.shutdown();
    return;
  }

  const names = natsNames(config.HOOKMESH_STREAM_PREFIX);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createAuditMetrics(registry, async () => {
    const lag = await Promise.all(
      [
        [names.streams.events, names.consumers.auditEvents],
        [names.streams.audit, names.consumers.auditRecords],
      ].map(async ([stream = '', consumer = '']) => {
        const { pending, ackPending } = await consumerLag(jsm, stream, consumer);
        return { consumer, pending: pending + ackPending };
      }),
    );
    return lag;
  });

  const consumers = startAuditConsumers({
    db,
    nc,
    js,
    jsm,
    prefix: config.HOOKMESH_STREAM_PREFIX,
    log,
    metrics,
    batchSize: config.HOOKMESH_AUDIT_BATCH,
    excerptMax: config.HOOKMESH_RESPONSE_EXCERPT_MAX,
    ackWaitMs: config.HOOKMESH_AUDIT_ACK_WAIT,
    retryDelayMs: config.HOOKMESH_AUDIT_RETRY_DELAY,
  });
  const pruner = startPruner({ db, log, metrics, retentionMs: config.HOOKMESH_RETENTION, intervalMs: config.HOOKMESH_PRUNE_INTERVAL });

  // The subscription state (catalog and callbacks) in memory; the bucket is created here too if audit starts first.
  const view = await startSubscriptionView({
    kv: await openKv(js, names.kv.bucket, { replicas: config.HOOKMESH_STREAM_REPLICAS }),
    prefix: config.HOOKMESH_STREAM_PREFIX,
    log,
  });
  const verifier = createTokenVerifier({
    secret: config.HOOKMESH_JWT_SECRET,
    jwksUrl: config.HOOKMESH_JWKS_URL,
    issuer: config.HOOKMESH_JWT_ISSUER,
    audience: config.HOOKMESH_JWT_AUDIENCE,
    maxLifetimeSeconds: config.HOOKMESH_TOKEN_MAX_LIFETIME / 1000,
  });
  const rateLimiter = createSharedRateLimiter({
    nc,
    subject: names.rateLimitSubject('audit.requests'),
    ratePerSecond: config.HOOKMESH_RATE_LIMIT_PER_SECOND,
    burst: config.HOOKMESH_RATE_LIMIT_BURST,
    log,
  });
  const app = createApp({
    db,
    nc,
    js,
    jsm,
    view,
    prefix: config.HOOKMESH_STREAM_PREFIX,
    log,
    registry,
    metrics,
    verifier,
    rateLimiter,
  });
  const server = await startHttpServer(app, { port: config.PORT, host: config.HOST, log });

  // Shutdown order: stop HTTP, stop consumers, drain NATS, close the database, flush telemetry (each step needs the next one still up).
  shutdown.register('http', () => server.close());
  shutdown.register('rate limiter', () => rateLimiter.close());
  shutdown.register('consumers', () => consumers.stop());
  shutdown.register('retention', () => pruner.stop());
  shutdown.register('subscription view', () => view.stop());
  shutdown.register('nats', () => nc.drain());
  shutdown.register('postgres', () => db.destroy());
  shutdown.register('telemetry', () => telemetry.shutdown());
  shutdown.onSignals();
  log.info({ port: server.port, retention_ms: config.HOOKMESH_RETENTION }, 'audit ready');
}

main().catch((error: unknown) => {
  console.error(`${SERVICE_NAME} failed to start:`, error);
  process.exit(1);
});
