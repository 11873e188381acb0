// The event catalog: /{account}/api/v1/event_types (live types) and the operator's /admin/api/v1/event_types
// (register, replace, archive). A change is answered only once it is in the subscription state on NATS, so an event
// posted right after the answer is checked against it.
import { AccountParams, EventTypeParams, PutEventTypeRequest, isBuiltinMessageType } from '@hookmesh/contracts';
import { checkEventTypeDefinition } from '@hookmesh/event-catalog';
import { Conflict, Invalid, NotFound, Unavailable, operatorOf, parseBody, parseParams } from '@hookmesh/http';
import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import { catalogListing, eventTypeResponse } from '../domain/event-types';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import type { SubscriptionDatabase } from '../storage/database';
import { archiveEventType, findEventType, listEventTypes, upsertEventType } from '../storage/event-types-repository';
import type { EventTypeRow } from '../storage/event-types.table';
import { enqueueOutbox } from '../storage/kv-outbox-repository';

export interface EventTypeRouteDeps {
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  metrics: ServiceMetrics;
  publisher: Pick<StatePublisher, 'publishNow'>;
  now: () => Date;
}

type EventTypeOperation = 'listEventTypes' | 'adminListEventTypes' | 'adminPutEventType' | 'adminArchiveEventType';

/** Seconds a client should wait before retrying a change NATS did not take yet. */
const RETRY_AFTER_SECONDS = 5;

function refuseBuiltin(messageType: string): void {
  if (isBuiltinMessageType(messageType)) {
    throw new Conflict(`${messageType} is a built-in message type: its schema is part of Hookmesh and cannot be replaced or archived.`);
  }
}

/** Whether the stored row already says exactly what the request says (a repeated PUT changes nothing). */
function sameDefinition(row: EventTypeRow, definition: PutEventTypeRequest): boolean {
  return (
    row.archived_at === null &&
    row.description === (definition.description ?? '') &&
    isDeepStrictEqual(row.schema, definition.schema) &&
    isDeepStrictEqual(row.example, definition.example) &&
    isDeepStrictEqual(row.thin, definition.thin ?? null) &&
    row.ordering_key === (definition.ordering_key ?? null)
  );
}

/** Handlers of the catalog routes, keyed by the contract's operationId. */
export function eventTypeHandlers(deps: EventTypeRouteDeps): Record<EventTypeOperation, RequestHandler> {
  const { db, metrics, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;

  /** Waits for the subscription state to carry the change; a 503 says the change is stored but not yet live. */
  async function answerOncePublished(messageType: string, version: number): Promise<void> {
    if (await publisher.publishNow(ANSWER_AFTER_PUBLISH_MS)) return;
    throw new Unavailable(
      RETRY_AFTER_SECONDS,
      `Version ${version} of ${messageType} is stored but has not reached the subscription state on NATS yet, so event-ingest may not know it; it goes live as soon as NATS takes it. Repeat the same request to confirm.`,
    );
  }

  return {
    async listEventTypes(req, res) {
      parseParams(AccountParams, req);
      res.json({ event_types: catalogListing(await listEventTypes(db), { includeArchived: false }) });
    },

    async adminListEventTypes(_req, res) {
      res.json({ event_types: catalogListing(await listEventTypes(db), { includeArchived: true }) });
    },

    async adminPutEventType(req, res) {
      const { message_type: messageType } = parseParams(EventTypeParams, req);
      refuseBuiltin(messageType);
      const definition = parseBody(PutEventTypeRequest, req);
      const checked = checkEventTypeDefinition(definition);
      if (!checked.ok) throw new Invalid(checked.issues, `The definition of ${messageType} is invalid; nothing was stored.`);
      const at = now();
      const { row, created, changed } = await db.transaction().execute(async (tx) => {
        const existing = await findEventType(tx, messageType, { forUpdate: true });
        // A repeat (a retry after a 503, a GitOps re-apply) is not a new version; it republishes what is stored.
        if (existing !== undefined && sameDefinition(existing, definition)) {
          await enqueueOutbox(tx, [{ kind: 'event_type', account: '', ref: messageType }]);
          return { row: existing, created: false, changed: false };
        }
        const stored = await upsertEventType(tx, {
          message_type: messageType,
          description: definition.description ?? '',
          schema: JSON.stringify(definition.schema),
          example: JSON.stringify(definition.example),
          thin: definition.thin === undefined ? null : JSON.stringify(definition.thin),
          ordering_key: definition.ordering_key ?? null,
          created_at: at,
          updated_at: at,
        });
        await enqueueOutbox(tx, [{ kind: 'event_type', account: '', ref: messageType }]);
        return { ...stored, changed: true };
      });
      await answerOncePublished(messageType, row.version);
      if (changed) metrics.changes.inc({ change: created ? 'event_type_registered' : 'event_type_replaced' });
      logOf(res).info({ message_type: messageType, version: row.version, created, changed, operator: operatorOf(res).subject }, 'event type stored');
      res.status(created ? 201 : 200).json(eventTypeResponse(row));
    },

    async adminArchiveEventType(req, res) {
      const { message_type: messageType } = parseParams(EventTypeParams, req);
      refuseBuiltin(messageType);
      const row = await db.transaction().execute(async (tx) => {
        const archived = await archiveEventType(tx, messageType, now());
        if (archived !== undefined) await enqueueOutbox(tx, [{ kind: 'event_type', account: '', ref: messageType }]);
        return archived;
      });
      if (row === undefined) throw new NotFound(`No registered message type ${JSON.stringify(messageType)}.`);
      await answerOncePublished(messageType, row.version);
      metrics.changes.inc({ change: 'event_type_archived' });
      logOf(res).info({ message_type: messageType, version: row.version, operator: operatorOf(res).subject }, 'event type archived');
      res.json(eventTypeResponse(row));
    },
  };
}
