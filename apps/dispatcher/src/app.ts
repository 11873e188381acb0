// createApp(deps): the dispatcher's HTTP surface (it has no public API): health, readiness, metrics, OpenAPI.
import { buildOpenApiDocument, routesFor } from '@hookmesh/contracts';
import { createHttpApp, methodNotAllowed } from '@hookmesh/http';
import { pingNats, type NatsConnection } from '@hookmesh/messaging';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dispatcher } from './dispatcher';
import { SERVICE_NAME } from './service-name';

export interface AppDeps {
  log: Logger;
  registry: Registry;
  nc: NatsConnection;
  dispatcher: Pick<Dispatcher, 'isRunning' | 'view'>;
}

/** Builds the dispatcher app (no listen): /healthz, /readyz (NATS answers, view loaded), /metrics, /openapi.json. */
export function createApp(deps: AppDeps): Express {
  const { nc, dispatcher } = deps;
  return createHttpApp({
    log: deps.log,
    serviceName: SERVICE_NAME,
    registry: deps.registry,
    openapi: buildOpenApiDocument(SERVICE_NAME),
    readiness: {
      nats: async () => {
        await pingNats(nc, 1_500);
        return { ok: true };
      },
      subscription_view: async () => {
        if (!dispatcher.isRunning()) return { ok: false, detail: 'stopped' };
        const size = dispatcher.view.size();
        return { ok: true, detail: `${size.callbacks} callbacks, ${size.holds} holds` };
      },
    },
    routes: (app) => {
      // No API routes: the dispatcher is driven by JetStream, not by HTTP. POST /healthz and the like get 405.
      app.use(methodNotAllowed(routesFor(SERVICE_NAME)));
    },
  });
}
