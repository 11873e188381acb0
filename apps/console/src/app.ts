// createApp: the console server's express app (probes, metrics, API forwarding, the single-page app); no listen().
import { createHttpApp } from '@hookmesh/http';
import type { Logger } from '@hookmesh/logging';
import type { Express } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { securityHeaders } from './domain/security-headers';
import type { Upstream } from './domain/upstream-path';
import type { ConsoleMetrics } from './metrics';
import { apiForwardingRoutes } from './routes/api-forwarding';
import { webAppRoutes } from './routes/web-app';

export const SERVICE_NAME = 'console';

export interface AppDeps {
  log: Logger;
  registry: Registry;
  metrics: ConsoleMetrics;
  /** Base URLs of subscription-service, event-ingest and audit. */
  upstreams: Readonly<Record<Upstream, string>>;
  /** The HTTP client pool the forwarded calls use (main.ts closes it on the way out). */
  dispatcher: Dispatcher;
  upstreamTimeoutMs: number;
  /** The built single-page app (index.html and assets/). */
  assetsDir: string;
  frameAncestors: readonly string[];
  /** Largest forwarded JSON body, e.g. "1mb". */
  maxBody: string;
}

const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'Hookmesh console',
    version: '0.1.0',
    description:
      'The web console. It has no API of its own: /api/subscription, /api/ingest and /api/audit forward the account API ' +
      '(/{account}/api/v1/…) of subscription-service, event-ingest and audit with the caller\'s bearer token.',
  },
  paths: {},
};

/** Builds the console app from its dependencies (main.ts passes real ones, tests the same with test upstreams). */
export function createApp(deps: AppDeps): Express {
  const headers = securityHeaders(deps.frameAncestors);
  const index = path.join(deps.assetsDir, 'index.html');
  return createHttpApp({
    log: deps.log,
    serviceName: SERVICE_NAME,
    registry: deps.registry,
    openapi,
    jsonLimit: deps.maxBody,
    // The routes choose: hashed assets are immutable, index.html is revalidated, forwarded API answers are no-store.
    cacheControl: false,
    readiness: {
      assets: async () => (existsSync(index) ? { ok: true } : { ok: false, detail: 'the built app (index.html) is missing' }),
    },
    routes: (app) => {
      app.use((_req, res, next) => {
        res.set(headers);
        next();
      });
      app.use(apiForwardingRoutes({ upstreams: deps.upstreams, dispatcher: deps.dispatcher, metrics: deps.metrics, timeoutMs: deps.upstreamTimeoutMs }));
      app.use(webAppRoutes(deps.assetsDir));
    },
  });
}
