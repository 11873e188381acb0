// The express app every Hookmesh service serves: probes, metrics, OpenAPI, JSON parsing, errors as problems.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHttpMetrics } from './metrics';
import { JSON_TYPES, createProblemHandler, notFoundHandler, requireJsonBody, sendProblem } from './problem';
import { runReadinessChecks, type Readiness } from './readiness';
import { createRequestContext } from './request-context';
import { JSON_API_CACHE_CONTROL, cacheControl, securityHeaders, type HelmetOptions } from './security-headers';

export interface HttpAppOptions {
  log: Logger;
  serviceName: string;
  registry: Registry;
  /** The OpenAPI document served at GET /openapi.json. */
  openapi: object;
  /** Dependency checks behind GET /readyz. */
  readiness: Readiness;
  /** Deadline for each readiness check; default 2000 ms (well inside a Kubernetes probe timeout). */
  readinessTimeoutMs?: number;
  /** Largest JSON body accepted; default "256kb". */
  jsonLimit?: string | number;
  /** Express "trust proxy" setting, so req.ip (the anonymous rate-limit key) is the client's, not the proxy's. */
  trustProxy?: boolean | number | string;
  /**
   * Security headers (helmet options) replacing the JSON API defaults key by key, e.g. an HTML console's own
   * contentSecurityPolicy; default JSON_API_SECURITY_HEADERS as they are.
   */
  securityHeaders?: HelmetOptions;
  /** Cache-Control of every answer unless a route sets its own; default "no-store"; `false` sets none. */
  cacheControl?: string | false;
  /**
   * Mounts handlers that run before the body is read and parsed (after the probes), e.g. authentication and a rate
   * limit that refuses a flooding caller without parsing its body; they call next() to reach the body parser and routes.
   */
  beforeBody?: (app: Express) => void;
  /** Mounts the service's routes; they run after JSON parsing and before the 404 and problem handlers. */
  routes: (app: Express) => void;
}

/** Builds the service's express app (no listen): see HttpAppOptions for what it mounts. */
export function createHttpApp(options: HttpAppOptions): Express {
  const { log, serviceName, registry, openapi, readiness, readinessTimeoutMs = 2000, jsonLimit = '256kb', routes } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  // First, so every answer carries them: probes, problems, 404s and bodies refused before any route runs.
  app.use(securityHeaders(options.securityHeaders));
  app.use(cacheControl(options.cacheControl ?? JSON_API_CACHE_CONTROL));

  const metrics = createHttpMetrics(registry);
  app.use(createRequestContext(log));
  app.use(metrics.observeRequests);

  // Probes and metadata come before body parsing and the service's routes, so neither can shadow or slow them.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: serviceName });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await runReadinessChecks(readiness, readinessTimeoutMs, res.locals.log ?? log);
    const failing = Object.entries(checks).filter(([, result]) => !result.ok);
    if (failing.length === 0) {
      res.json({ status: 'ready', service: serviceName, checks });
      return;
    }
    res.setHeader('Retry-After', '5');
    sendProblem(res, {
      type: 'urn:hookmesh:problem:not-ready',
      title: 'Service Unavailable',
      status: 503,
      detail: `Not ready: ${failing.map(([name, result]) => (result.detail ? `${name} (${result.detail})` : name)).join(', ')}.`,
      instance: '/readyz',
      checks,
    });
  });
  app.get('/metrics', metrics.serveMetrics);
  app.get('/openapi.json', (_req, res) => {
    // The same for every caller and changes only with a release.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openapi);
  });

  options.beforeBody?.(app);

  app.use(requireJsonBody);
  // strict: only objects and arrays at the top level, which is all the API accepts.
  app.use(express.json({ limit: jsonLimit, strict: true, type: JSON_TYPES }));

  routes(app);

  app.use(notFoundHandler);
  app.use(createProblemHandler(log));
  return app;
}
