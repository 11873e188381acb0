// /{account}/api/v1/event_types: the catalog of message types with their JSON Schema and example.
import { AccountParams, eventCatalog, type EventCatalogResponse } from '@hookmesh/contracts';
import { parseParams } from '@hookmesh/http';
import type { RequestHandler } from 'express';

/** Handlers of the event-type routes, keyed by the contract's operationId. */
export function eventTypeHandlers(): Record<'listEventTypes', RequestHandler> {
  // The catalog is derived from the contracts only, so it is built once.
  let catalog: EventCatalogResponse | undefined;
  return {
    listEventTypes(req, res) {
      parseParams(AccountParams, req);
      catalog ??= { event_types: eventCatalog() };
      res.json(catalog);
    },
  };
}
