// createApp(deps): the event-ingest express app with its routes, probes and metrics; main.ts listens.
import { buildOpenApiDocument, newMessageId, routesFor, type NatsNames } from '@hookmesh/contracts';
import { createHttpApp, methodNotAllowed, type RateLimiter, type TokenVerifier } from '@hookmesh/http';
import { pingNats, type AckedPublisher, type JetStreamManager, type NatsConnection } from '@hookmesh/messaging';
import { trace } from '@opentelemetry/api';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RecordStamps } from './domain/event-records';
import type { IngestCatalog } from './messaging/catalog';
import { trackConnectionState } from './messaging/connection-state';
import { createEventPublisher } from './messaging/events-stream';
import { createIngestMetrics } from './metrics';
import { eventsRouter } from './routes/events';
import { SERVICE_NAME } from './service-name';

export interface AppDeps {
  log: Logger;
  registry: Registry;
  nc: NatsConnection;
  /** Publishes the events and duplicate reports: the connection's PubAck inbox (createPubAckInbox). */
  js: AckedPublisher;
  jsm: JetStreamManager;
  names: NatsNames;
  /** The event catalog, loaded from the subscription state (startIngestCatalog). */
  catalog: IngestCatalog;
  verifier: TokenVerifier;
  /** Requests (HOOKMESH_RATE_LIMIT_*) and events (HOOKMESH_INGEST_EVENTS_*) per account, shared by the replicas. */
  rateLimiters: { requests: RateLimiter; events: RateLimiter };
  limits: { maxBatch: number; maxBodyBytes: number };
  /** The budget of one request's publishes, retries included (ms): past it the request answers 503. */
  publishTimeoutMs: number;
  /** Pins ids and time in tests; defaults to UUIDv7 and the clock. */
  stamps?: Partial<RecordStamps>;
}

/** Builds the event-ingest app (no listen): POST /:account/api/v1/events plus /healthz, /readyz, /metrics, /openapi.json. */
export function createApp(deps: AppDeps): Express {
  const { log, registry, nc, js, jsm, names } = deps;
  const connection = trackConnectionState(nc);
  const publisher = createEventPublisher({ nc, js, jsm, names, connection });
  const metrics = createIngestMetrics(registry);
  const events = eventsRouter({
    log,
    verifier: deps.verifier,
    rateLimiters: deps.rateLimiters,
    publisher,
    catalog: deps.catalog,
    metrics,
    tracer: trace.getTracer(SERVICE_NAME),
    maxBatch: deps.limits.maxBatch,
    publishTimeoutMs: deps.publishTimeoutMs,
    stamps: { now: deps.stamps?.now ?? (() => new Date()), newMessageId: deps.stamps?.newMessageId ?? newMessageId },
  });

  return createHttpApp({
    log,
    serviceName: SERVICE_NAME,
    registry,
    openapi: buildOpenApiDocument(SERVICE_NAME),
    jsonLimit: deps.limits.maxBodyBytes,
    readiness: {
      nats: async () => {
        if (!connection.isConnected()) return { ok: false, detail: 'disconnected' };
        await pingNats(nc, 1_500);
        return { ok: true };
      },
      // Ingest is only useful if JetStream answers and the stream it stores into exists.
      events_stream: async () => {
        if (!connection.isConnected()) return { ok: false, detail: 'disconnected' };
        const info = await jsm.streams.info(names.streams.events);
        return { ok: true, detail: `${info.state.messages} messages` };
      },
    },
    beforeBody: (app) => {
      app.use('/:account/api/v1', events.beforeBody);
    },
    routes: (app) => {
      app.use('/:account/api/v1', events.afterBody);
      // DELETE /events and the like: the path exists, the method does not.
      app.use(methodNotAllowed(routesFor(SERVICE_NAME)));
    },
  });
}
