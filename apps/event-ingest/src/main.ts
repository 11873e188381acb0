// Composition root of event-ingest: the only place that reads env, connects, starts and stops.
// `node main.js` serves; `node main.js migrate` creates or updates the EVENTS stream and exits (a Kubernetes Job).
import { telemetry } from './instrument';
import { loadConfigOrExit } from '@hookmesh/config';
import { natsNames } from '@hookmesh/contracts';
import { createTokenVerifier, startHttpServer } from '@hookmesh/http';
import { createShutdown } from '@hookmesh/lifecycle';
import { createLogger } from '@hookmesh/logging';
import { connectNats, createPubAckInbox, jetstream, jetstreamManager, openKv, streamSettingsFromEnv } from '@hookmesh/messaging';
import { createSharedRateLimiter } from '@hookmesh/rate-limit';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from './app';
import { loadConfig } from './config';
import { createIngestCatalog, startCatalogView } from './messaging/catalog';
import { ensureIngestStreams } from './messaging/events-stream';
import { SERVICE_NAME } from './service-name';

async function main(command: string | undefined): Promise<void> {
  const config = loadConfigOrExit(loadConfig);
  const log = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const names = natsNames(config.HOOKMESH_STREAM_PREFIX);
  const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE_NAME, log });
  const jsm = await jetstreamManager(nc);
  await ensureIngestStreams(jsm, streamSettingsFromEnv(config));
  log.info(
    { stream: names.streams.events, idempotency_window_ms: config.HOOKMESH_IDEMPOTENCY_WINDOW, retention_ms: config.HOOKMESH_RETENTION },
    'EVENTS stream ready',
  );

  if (command === 'migrate') {
    await nc.drain();
    await telemetry.shutdown();
    return;
  }
  if (command !== undefined) throw new Error(`unknown command "${command}"; use no argument to serve, or "migrate"`);

  const js = jetstream(nc);
  // The catalog comes from the subscription state; the bucket is created here too, so start-up order does not matter.
  const kv = await openKv(js, names.kv.bucket, { replicas: config.HOOKMESH_STREAM_REPLICAS });
  const catalog = createIngestCatalog({ kv, view: await startCatalogView({ kv, names, log }), names, log });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rateLimiters = {
    requests: createSharedRateLimiter({
      nc,
      subject: names.rateLimitSubject(`${SERVICE_NAME}.requests`),
      ratePerSecond: config.HOOKMESH_RATE_LIMIT_PER_SECOND,
      burst: config.HOOKMESH_RATE_LIMIT_BURST,
      log,
    }),
    events: createSharedRateLimiter({
      nc,
      subject: names.rateLimitSubject(`${SERVICE_NAME}.events`),
      ratePerSecond: config.HOOKMESH_INGEST_EVENTS_PER_SECOND,
      burst: config.HOOKMESH_INGEST_EVENTS_BURST,
      log,
    }),
  };
  const app = createApp({
    log,
    registry,
    nc,
    // Each event's PubAck comes back on the connection's own inbox: cheaper per publish than nats.js's request path.
    js: createPubAckInbox(nc),
    jsm,
    names,
    catalog,
    verifier: createTokenVerifier({
      secret: config.HOOKMESH_JWT_SECRET,
      jwksUrl: config.HOOKMESH_JWKS_URL,
      issuer: config.HOOKMESH_JWT_ISSUER,
      audience: config.HOOKMESH_JWT_AUDIENCE,
      maxLifetimeSeconds: config.HOOKMESH_TOKEN_MAX_LIFETIME / 1000,
    }),
    rateLimiters,
    limits: { maxBatch: config.HOOKMESH_MAX_BATCH, maxBodyBytes: config.HOOKMESH_MAX_BODY },
    publishTimeoutMs: config.HOOKMESH_PUBLISH_TIMEOUT,
  });
  const server = await startHttpServer(app, { port: config.PORT, host: config.HOST, log });

  // Order matters: stop taking requests, let in-flight publishes get their PubAcks, then drain NATS.
  const shutdown = createShutdown(log);
  shutdown.register('http server', () => server.close());
  shutdown.register('event catalog', () => catalog.stop());
  shutdown.register('rate limiters', async () => {
    await Promise.all([rateLimiters.requests.close(), rateLimiters.events.close()]);
  });
  shutdown.register('nats', () => nc.drain());
  shutdown.register('telemetry', () => telemetry.shutdown());
  shutdown.onSignals();
  log.info({ port: server.port, max_batch: config.HOOKMESH_MAX_BATCH, max_body_bytes: config.HOOKMESH_MAX_BODY }, 'event-ingest started');
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`event-ingest failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
