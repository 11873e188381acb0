// createApp: subscription-service's express app with every route of the contract mounted (no listen()).
import { buildOpenApiDocument, expressPath, isAdminRoute, routesFor, subscriptionRoutes, type NatsNames, type SealingKey } from '@hookmesh/contracts';
import { isInputDataException, isPostgresUnavailable, pingDatabase } from '@hookmesh/db';
import {
  Invalid,
  Unavailable,
  createHttpApp,
  rateLimit,
  methodNotAllowed,
  requireAdmin,
  requireAuth,
  requireScope,
  type RateLimiter,
  type TokenVerifier,
} from '@hookmesh/http';
import { pingNats, type JetStreamClient, type NatsConnection } from '@hookmesh/messaging';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SERVICE_NAME } from './service-name';
import type { CallbackLimits } from './domain/callback-limits';
import type { UrlPolicy } from './domain/callback-url-policy';
import type { ServiceMetrics } from './metrics';
import type { StatePublisher } from './messaging/state-publisher';
import { holdHandlers } from './routes/callback-holds';
import { callbackHandlers, type CallbackDeliveryDefaults } from './routes/callbacks';
import { operationalCallbackHandlers } from './routes/operational-callbacks';
import type { CircuitView } from './domain/callbacks';
import { eventTypeHandlers } from './routes/event-types';
import { profileHandlers } from './routes/profiles';
import { portalLinkHandlers } from './routes/portal-links';
import type { PortalLinkSettings } from './domain/portal-links';
import type { SubscriptionDatabase } from './storage/database';

export { SERVICE_NAME };

/** 100 callbacks with the longest url (2048) and token (512) fit with room to spare; larger bodies get 413. */
export const JSON_BODY_LIMIT = '512kb';

export interface AppDeps {
  db: Kysely<SubscriptionDatabase>;
  nc: NatsConnection;
  js: JetStreamClient;
  names: NatsNames;
  log: Logger;
  registry: Registry;
  metrics: ServiceMetrics;
  verifier: TokenVerifier;
  /** The key that seals new secrets and tokens (the first of HOOKMESH_SECRETS_KEY). */
  sealingKey: SealingKey;
  urlPolicy: UrlPolicy;
  /** HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT and _PER_MESSAGE_TYPE. */
  callbackLimits: CallbackLimits;
  publisher: Pick<StatePublisher, 'kick' | 'publishNow'>;
  /** Requests per account (HOOKMESH_RATE_LIMIT_*), shared by the replicas. */
  rateLimiter: RateLimiter;
  publishTimeoutMs: number;
  /** What callbacks default to and are bounded by: the installation's default profile, delivery timeout, header naming. */
  delivery: CallbackDeliveryDefaults;
  /** Where portal links point and how their tokens are signed. */
  portalLinks: PortalLinkSettings;
  /** The dispatchers' circuit records: each callback's health. */
  circuits: CircuitView;
  /** The EVENTS sequence the next stored event gets (where a new ordered callback's order begins). */
  nextEventSeq: () => Promise<number>;
  now?: () => Date;
}

type OperationId = (typeof subscriptionRoutes)[number]['operationId'];

const dataExceptionAsInvalid: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  next(
    isInputDataException(error)
      ? new Invalid([{ path: '', code: 'invalid_string', message: 'a text value cannot be stored (for example it contains a NUL character)' }], 'The request body is invalid; nothing was changed.')
      : error,
  );
};

const databaseOutageAsUnavailable: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  next(isPostgresUnavailable(error) ? new Unavailable(5, 'The database is unavailable; nothing was changed. Retry shortly.') : error);
};

/** Builds the app; every route, its path and its scope come from the contract (subscriptionRoutes). */
export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? (() => new Date());
  const handlers: Record<OperationId, RequestHandler> = {
    ...callbackHandlers({ ...deps, now }),
    ...holdHandlers({ ...deps, now }),
    ...eventTypeHandlers({ ...deps, now }),
    ...profileHandlers({ ...deps, naming: deps.delivery.naming, now }),
    ...portalLinkHandlers({ ...deps, now }),
    ...operationalCallbackHandlers({ ...deps, now }),
  };
  const authenticate = requireAuth(deps.verifier);
  const authenticateOperator = requireAdmin(deps.verifier);
  const limit = rateLimit({ limiter: deps.rateLimiter });
  // Operator routes first: "/:account/api/v1/..." would otherwise take "/admin/api/v1/..." as the account "admin".
  const routes = [...subscriptionRoutes.filter(isAdminRoute), ...subscriptionRoutes.filter((route) => !isAdminRoute(route))];

  return createHttpApp({
    log: deps.log,
    serviceName: SERVICE_NAME,
    registry: deps.registry,
    openapi: buildOpenApiDocument(SERVICE_NAME),
    jsonLimit: JSON_BODY_LIMIT,
    readiness: {
      postgres: async () => {
        await pingDatabase(deps.db);
        return { ok: true };
      },
      nats: async () => {
        await pingNats(deps.nc);
        return { ok: true };
      },
    },
    routes: (app) => {
      for (const route of routes) {
        const auth = isAdminRoute(route) ? authenticateOperator : authenticate;
        app.route(expressPath(route.path))[route.method](auth, requireScope(route.scope), limit, handlers[route.operationId]);
      }
      // A path of the contract asked with a method it does not take: 405 with Allow, not 404.
      app.use(methodNotAllowed(routesFor(SERVICE_NAME)));
      app.use(databaseOutageAsUnavailable);
      app.use(dataExceptionAsInvalid);
    },
  });
}
