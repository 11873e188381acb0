// /messages/{message_id}: the event as ingested and all its deliveries.
import { MessageParams, type MessageResponse } from '@hookmesh/contracts';
import { NotFound, parseParams, requireScope } from '@hookmesh/http';
import { Router } from 'express';
import { isTooRecentToBeAudited } from '../domain/recent-message';
import type { AuditDb } from '../storage/database';
import { deliveriesOfMessage } from '../storage/deliveries';
import { findEvent } from '../storage/event-log';
import { deliveryOf, ingestedEventOf } from './representations';

/** How young an unknown message may be for a lookup to wait for audit to record it, and how long it waits. */
const AUDIT_LAG_GRACE_MS = 30_000;
const AUDIT_LAG_WAIT_MS = 2_000;
const AUDIT_LAG_POLL_MS = 100;

/** Routes of the messages resource; mount under /:account/api/v1 behind requireAuth. */
export function messagesRoutes(deps: { db: AuditDb; now: () => Date }): Router {
  /**
   * The event, waiting up to AUDIT_LAG_WAIT_MS for one minted moments ago: a thin body's link is followed at once by
   * receivers, and audit records an event a moment after EVENTS stored it. Every unknown recent id waits the same,
   * so the wait tells nothing about other accounts' messages.
   */
  async function eventAwaitingAudit(account: string, messageId: string) {
    let event = await findEvent(deps.db, account, messageId);
    if (event !== undefined || !isTooRecentToBeAudited(messageId, deps.now(), AUDIT_LAG_GRACE_MS)) return event;
    const deadline = Date.now() + AUDIT_LAG_WAIT_MS;
    while (event === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, AUDIT_LAG_POLL_MS));
      event = await findEvent(deps.db, account, messageId);
    }
    return event;
  }

  const router = Router({ mergeParams: true });

  router.get('/messages/:message_id', requireScope('deliveries:read'), async (req, res) => {
    const { account, message_id } = parseParams(MessageParams, req);
    const event = await eventAwaitingAudit(account, message_id);
    const deliveries = await deliveriesOfMessage(deps.db, account, message_id);
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
