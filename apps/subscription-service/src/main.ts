// The composition root: reads the environment, connects, starts and stops. `node main.js migrate` only migrates.
import { telemetry } from './instrument';
import { loadConfigOrExit } from '@hookmesh/config';
import { natsNames } from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTokenVerifier, startHttpServer } from '@hookmesh/http';
import { createShutdown } from '@hookmesh/lifecycle';
import { createLogger, type Logger } from '@hookmesh/logging';
import { connectNats, jetstream, jetstreamManager, streamSettingsFromEnv } from '@hookmesh/messaging';
import { createSharedRateLimiter } from '@hookmesh/rate-limit';
import { systemResolver } from '@hookmesh/egress';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from './app';
import { SERVICE_NAME } from './service-name';
import { loadConfig, startupWarnings, type SubscriptionEnv } from './config';
import { startCircuitView } from './messaging/circuit-view';
import { startControlConsumer } from './messaging/control-consumer';
import { nextEventSeq, setupSubscriptionNats } from './messaging/setup';
import { createStatePublisher } from './messaging/state-publisher';
import { createServiceMetrics } from './metrics';
import { SUBSCRIPTION_SCHEMA, type SubscriptionDatabase } from './storage/database';
import { subscriptionMigrations } from './storage/migrations';
import { startExpiryPruner } from './storage/prune-expired';

/** `migrate`: schema migrations and stream/KV setup, then exit (the Kubernetes migration Job). */
async function migrate(config: SubscriptionEnv, log: Logger): Promise<void> {
  const db = createDatabase<SubscriptionDatabase>({ connectionString: config.DATABASE_URL, schema: SUBSCRIPTION_SCHEMA });
  try {
    const result = await migrateToLatest(db, SUBSCRIPTION_SCHEMA, subscriptionMigrations);
    log.info({ applied: result.results?.map((r) => r.migrationName) ?? [] }, 'migrations applied');
  } finally {
    await db.destroy();
  }
  const nc = await connectNats({ servers: config.NATS_URL, name: `${SERVICE_NAME}-migrate`, log });
  try {
    const js = jetstream(nc, { timeout: config.HOOKMESH_PUBLISH_TIMEOUT });
    await setupSubscriptionNats(await jetstreamManager(nc), js, natsNames(config.HOOKMESH_STREAM_PREFIX), streamSettingsFromEnv(config));
    log.info('streams and KV bucket ready');
  } finally {
    await nc.drain();
  }
}

/** Runs the service until SIGTERM/SIGINT. */
async function serve(config: SubscriptionEnv, log: Logger): Promise<void> {
  const shutdown = createShutdown(log);
  shutdown.onSignals();
  for (const warning of startupWarnings(config)) log.warn(warning);
  const names = natsNames(config.HOOKMESH_STREAM_PREFIX);
  const [sealingKey] = config.HOOKMESH_SECRETS_KEY;
  if (sealingKey === undefined) throw new Error('HOOKMESH_SECRETS_KEY has no key');

  const db = createDatabase<SubscriptionDatabase>({ connectionString: config.DATABASE_URL, schema: SUBSCRIPTION_SCHEMA });
  await migrateToLatest(db, SUBSCRIPTION_SCHEMA, subscriptionMigrations);
  const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE_NAME, log });
  const js = jetstream(nc, { timeout: config.HOOKMESH_PUBLISH_TIMEOUT });
  const jsm = await jetstreamManager(nc);
  const kv = await setupSubscriptionNats(jsm, js, names, streamSettingsFromEnv(config));

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createServiceMetrics(registry);
  const publisher = createStatePublisher({ db, kv, names, nc, log, metrics, intervalMs: config.HOOKMESH_KV_REPUBLISH_INTERVAL });
  publisher.start();
  // Whatever happened while this service was down (or the bucket was lost), the bucket ends equal to Postgres.
  void publisher.reconcile().catch((error: unknown) => log.warn({ err: error }, 'start-up reconcile failed; the interval retries'));
  const control = startControlConsumer({ js, jsm, names, db, log, metrics, publisher });
  const circuits = startCircuitView({ js, jsm, names, log });
  const pruner = startExpiryPruner({ db, log, intervalMs: config.HOOKMESH_PRUNE_INTERVAL, onPruned: () => publisher.kick() });

  const rateLimiter = createSharedRateLimiter({
    nc,
    subject: names.rateLimitSubject(`${SERVICE_NAME}.requests`),
    ratePerSecond: config.HOOKMESH_RATE_LIMIT_PER_SECOND,
    burst: config.HOOKMESH_RATE_LIMIT_BURST,
    log,
  });
  const app = createApp({
    db,
    nc,
    js,
    names,
    log,
    registry,
    metrics,
    verifier: createTokenVerifier({
      secret: config.HOOKMESH_JWT_SECRET,
      jwksUrl: config.HOOKMESH_JWKS_URL,
      issuer: config.HOOKMESH_JWT_ISSUER,
      audience: config.HOOKMESH_JWT_AUDIENCE,
      maxLifetimeSeconds: config.HOOKMESH_TOKEN_MAX_LIFETIME / 1000,
    }),
    sealingKey,
    urlPolicy: { allowPrivateTargets: config.HOOKMESH_ALLOW_PRIVATE_TARGETS, resolver: systemResolver, allowedPorts: config.HOOKMESH_ALLOWED_CALLBACK_PORTS },
    callbackLimits: { perAccount: config.HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT, perMessageType: config.HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE },
    publisher,
    rateLimiter,
    circuits,
    nextEventSeq: () => nextEventSeq(jsm, names),
    publishTimeoutMs: config.HOOKMESH_PUBLISH_TIMEOUT,
    delivery: {
      defaultProfile: config.HOOKMESH_DEFAULT_PROFILE,
      timeoutMs: config.HOOKMESH_DELIVERY_TIMEOUT,
      maxRatePerSecond: config.HOOKMESH_MAX_RATE_PER_SECOND,
      naming: { headerPrefix: config.HOOKMESH_HEADER_PREFIX, userAgent: config.HOOKMESH_USER_AGENT },
    },
    portalLinks: {
      consoleUrl: config.HOOKMESH_CONSOLE_URL,
      token:
        config.HOOKMESH_JWT_SECRET === undefined
          ? undefined
          : {
              secret: config.HOOKMESH_JWT_SECRET,
              issuer: config.HOOKMESH_JWT_ISSUER,
              audience: config.HOOKMESH_JWT_AUDIENCE,
              maxLifetimeSeconds: config.HOOKMESH_TOKEN_MAX_LIFETIME / 1000,
            },
    },
  });
  const server = await startHttpServer(app, { port: config.PORT, host: config.HOST, log });

  shutdown.register('http server', () => server.close());
  shutdown.register('rate limiter', () => rateLimiter.close());
  shutdown.register('control consumer', () => control.stop());
  shutdown.register('circuit view', () => circuits.stop());
  shutdown.register('expiry pruner', () => pruner.stop());
  shutdown.register('state publisher', () => publisher.stop());
  shutdown.register('nats', () => nc.drain());
  shutdown.register('database', () => db.destroy());
  shutdown.register('telemetry', () => telemetry.shutdown());
  log.info({ port: server.port, stream_prefix: config.HOOKMESH_STREAM_PREFIX }, 'subscription-service started');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadConfig);
  const log = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const command = process.argv[2] ?? 'serve';
  try {
    if (command === 'migrate') {
      await migrate(config, log);
      await telemetry.shutdown();
      process.exit(0);
    }
    if (command !== 'serve') throw new Error(`unknown command ${JSON.stringify(command)}; use "serve" (default) or "migrate"`);
    await serve(config, log);
  } catch (error) {
    log.fatal({ err: error }, `${SERVICE_NAME} failed to ${command}`);
    await telemetry.shutdown();
    process.exit(1);
  }
}

void main();
