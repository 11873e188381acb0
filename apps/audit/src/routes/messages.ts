// /messages/{message_id}: the event as ingested and all its deliveries.
import { MessageParams, type MessageResponse } from '@hookmesh/contracts';
import { NotFound, parseParams, requireScope } from '@hookmesh/http';
import { Router } from 'express';
import type { AuditDb } from '../storage/database';
import { deliveriesOfMessage } from '../storage/deliveries';
import { findEvent } from '../storage/event-log';
import { deliveryOf, ingestedEventOf } from './representations';

/** Routes of the messages resource; mount under /:account/api/v1 behind requireAuth. */
export function messagesRoutes(deps: { db: AuditDb }): Router {
  const router = Router({ mergeParams: true });

  router.get('/messages/:message_id', requireScope('deliveries:read'), async (req, res) => {
    const { account, message_id } = parseParams(MessageParams, req);
    const [event, deliveries] = await Promise.all([findEvent(deps.db, account, message_id), deliveriesOfMessage(deps.db, account, message_id)]);
    if (event === undefined) {
      throw new NotFound(
        deliveries.length === 0
          ? `No message ${message_id} in this account.`
          : `The event ${message_id} is not stored (pruned by retention, or not received yet); it has ${deliveries.length} deliveries.`,
      );
    }
    const body: MessageResponse = { message: ingestedEventOf(event), deliveries: deliveries.map(deliveryOf) };
    res.json(body);
  });

  return router;
}
