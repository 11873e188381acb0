// createApp: the audit service's express app (probes, metrics, OpenAPI, the delivery-log API); no listen().
import { ADMIN_BASE_PATH, buildOpenApiDocument, routesFor } from '@hookmesh/contracts';
import { isInputDataException, isPostgresUnavailable, pingDatabase } from '@hookmesh/db';
import { Invalid, Unavailable, createHttpApp, methodNotAllowed, rateLimit, requireAdmin, requireAuth, type RateLimiter, type TokenVerifier } from '@hookmesh/http';
import type { Logger } from '@hookmesh/logging';
import { pingNats, type JetStreamClient, type JetStreamManager, type NatsConnection } from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { Router, type ErrorRequestHandler, type Express } from 'express';
import type { Registry } from 'prom-client';
import type { AuditMetrics } from './metrics';
import { SERVICE_NAME } from './service-name';
import { callbacksRoutes } from './routes/callbacks';
import { deadLettersRoutes } from './routes/dead-letters';
import { deliveriesRoutes } from './routes/deliveries';
import { messagesRoutes } from './routes/messages';
import { statsRoutes } from './routes/stats';
import type { AuditDb } from './storage/database';

export interface AppDeps {
  db: AuditDb;
  nc: NatsConnection;
  js: JetStreamClient;
  /** Reads the DEAD stream for the operator API. */
  jsm: JetStreamManager;
  /** The subscription state in memory: the event catalog (filters name live or archived types) and the callbacks. */
  view: SubscriptionView;
  /** HOOKMESH_STREAM_PREFIX. */
  prefix: string;
  log: Logger;
  registry: Registry;
  metrics: AuditMetrics;
  verifier: TokenVerifier;
  /** Requests per account (HOOKMESH_RATE_LIMIT_*), shared by the replicas. */
  rateLimiter: RateLimiter;
  now?: () => Date;
  /** Deadline of each /readyz check. */
  readinessTimeoutMs?: number;
  /** The budget of a redelivery's publishes, retries included, before it answers 503 (ms). */
  publishTimeoutMs?: number;
}

// An outage of Postgres is the caller's cue to retry, not a bug: 503 with Retry-After instead of 500.
const postgresOutageAsUnavailable: ErrorRequestHandler = (err, _req, _res, next) => {
  next(isPostgresUnavailable(err) ? new Unavailable(5, 'The audit database is unreachable; retry after Retry-After seconds.') : err);
};

// A value Postgres cannot compare or store (a NUL in an id or filter) names nothing that exists: the client's mistake.
const dataExceptionAsInvalid: ErrorRequestHandler = (err, _req, _res, next) => {
  next(isInputDataException(err) ? new Invalid([{ path: '', code: 'invalid_string', message: 'a value in the request cannot exist (for example it contains a NUL character)' }]) : err);
};

/** Builds the audit app from its dependencies (main.ts passes real ones, tests the same on test ports). */
export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? (() => new Date());
  const routeDeps = {
    db: deps.db,
    js: deps.js,
    view: deps.view,
    prefix: deps.prefix,
    log: deps.log,
    metrics: deps.metrics,
    now,
    publishTimeoutMs: deps.publishTimeoutMs,
    // Redelivery refuses a disabled callback; its status comes from the same subscription state.
    callbacks: deps.view,
  };
  return createHttpApp({
    log: deps.log,
    serviceName: SERVICE_NAME,
    registry: deps.registry,
    openapi: buildOpenApiDocument(SERVICE_NAME),
    readinessTimeoutMs: deps.readinessTimeoutMs,
    readiness: {
      postgres: async () => {
        try {
          await pingDatabase(deps.db, 1_500);
          return { ok: true };
        } catch {
          return { ok: false, detail: 'postgres unreachable' };
        }
      },
      nats: async () => {
        try {
          await pingNats(deps.nc, 1_500);
          return { ok: true };
        } catch {
          return { ok: false, detail: 'nats unreachable' };
        }
      },
    },
    routes: (app) => {
      // The operator API first: "/:account/api/v1" would otherwise take "/admin/api/v1" as the account "admin".
      const operator = Router();
      operator.use(requireAdmin(deps.verifier), rateLimit({ limiter: deps.rateLimiter }));
      operator.use(deadLettersRoutes({ jsm: deps.jsm, prefix: deps.prefix, log: deps.log }));
      app.use(ADMIN_BASE_PATH, operator);
      const api = Router({ mergeParams: true });
      api.use(requireAuth(deps.verifier), rateLimit({ limiter: deps.rateLimiter }));
      api.use(deliveriesRoutes(routeDeps), messagesRoutes(routeDeps), callbacksRoutes(routeDeps), statsRoutes(routeDeps));
      api.use(postgresOutageAsUnavailable);
      api.use(dataExceptionAsInvalid);
      app.use('/:account/api/v1', api);
      // A path audit serves asked with a method it does not take: 405 with Allow, not 404.
      app.use(methodNotAllowed(routesFor(SERVICE_NAME)));
    },
  });
}
