/**
 * /{account}/api/v1/callback_holds: hold deliveries of a message type, list and release holds.
 * Creating a hold for a type that is already held answers 409 (the contract lists it): silently replacing
 * it would change someone else's reason or end; release it first. An expired hold does not count.
 */
import { AccountParams, CreateHoldRequest, HoldParams } from '@hookmesh/contracts';
import { Conflict, Invalid, NotFound, parseBody, parseParams } from '@hookmesh/http';
import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { expiryIssue, holdIsActive, holdResponse } from '../domain/holds';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import type { SubscriptionDatabase } from '../storage/database';
import { deleteHold, insertHoldUnlessHeld, listActiveHolds } from '../storage/holds-repository';
import { enqueueOutbox } from '../storage/kv-outbox-repository';
import { archivedConflict, catalogVerdict } from './message-type-checks';

export interface HoldRouteDeps {
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  metrics: ServiceMetrics;
  publisher: Pick<StatePublisher, 'kick'>;
  now: () => Date;
}

type HoldOperation = 'listHolds' | 'createHold' | 'deleteHold';

/** Handlers of the hold routes, keyed by the contract's operationId. */
export function holdHandlers(deps: HoldRouteDeps): Record<HoldOperation, RequestHandler> {
  const { db, metrics, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;

  return {
    async listHolds(req, res) {
      const { account } = parseParams(AccountParams, req);
      const rows = await listActiveHolds(db, account, now());
      res.json({ holds: rows.map(holdResponse) });
    },

    async createHold(req, res) {
      const { account } = parseParams(AccountParams, req);
      const body = parseBody(CreateHoldRequest, req);
      const at = now();
      const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at);
      const issue = expiryIssue(expiresAt, at);
      if (issue !== undefined) throw new Invalid([issue], 'The hold would never hold; nothing was created.');
      const verdict = await catalogVerdict(db, [{ path: 'message_type', messageType: body.message_type }]);
      if (verdict.unknown.length > 0) throw new Invalid(verdict.unknown, 'The message type is not in the catalog; nothing was created.');
      if (verdict.archived.length > 0) throw archivedConflict(verdict.archived, 'holds');
      const row = await db.transaction().execute(async (tx) => {
        const stored = await insertHoldUnlessHeld(tx, { account, message_type: body.message_type, reason: body.reason ?? null, created_at: at, expires_at: expiresAt }, at);
        if (stored !== undefined) await enqueueOutbox(tx, [{ kind: 'hold', account, ref: body.message_type }]);
        return stored;
      });
      if (row === undefined) {
        throw new Conflict(`${body.message_type} is already held in account ${account}; release it (DELETE /callback_holds/${body.message_type}) before holding it again.`);
      }
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'hold_created' });
      logOf(res).info({ account, message_type: row.message_type, expires_at: row.expires_at }, 'deliveries held');
      res.status(201).json(holdResponse(row));
    },

    async deleteHold(req, res) {
      const { account, message_type: messageType } = parseParams(HoldParams, req);
      const at = now();
      const released = await db.transaction().execute(async (tx) => {
        const row = await deleteHold(tx, account, messageType);
        if (row !== undefined) await enqueueOutbox(tx, [{ kind: 'hold', account, ref: messageType }]);
        return row;
      });
      if (released !== undefined) await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      // An expired hold was no longer holding anything: its row is cleaned up, but there was nothing to release.
      if (released === undefined || !holdIsActive(released, at)) throw new NotFound(`${messageType} is not held in account ${account}.`);
      metrics.changes.inc({ change: 'hold_released' });
      logOf(res).info({ account, message_type: messageType }, 'hold released');
      res.json(holdResponse(released));
    },
  };
}
