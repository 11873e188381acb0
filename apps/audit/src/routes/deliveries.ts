// /deliveries: list (keyset pages), one delivery with its attempts, and redeliver.
import { AccountParams, DeliveriesQuery, DeliveryParams, type DeliveriesResponse, type Delivery } from '@hookmesh/contracts';
import { decodeCursor, encodeCursor } from '@hookmesh/db';
import { Invalid, NotFound, authOf, parseParams, parseQuery, requireScope } from '@hookmesh/http';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { Router } from 'express';
import { unknownMessageTypeIssues } from '../domain/catalog-filter';
import { redeliver } from '../domain/redelivery';
import { redeliveryPorts, type RedeliveryDeps } from '../messaging/redelivery';
import type { AuditMetrics } from '../metrics';
import { attemptsOf, findDelivery, listDeliveries } from '../storage/deliveries';
import { answeringRedelivery } from './redelivery-answers';
import { attemptOf, deliveryOf } from './representations';

/** Routes of the deliveries resource; mount under /:account/api/v1 behind requireAuth. */
export function deliveriesRoutes(deps: RedeliveryDeps & { metrics: AuditMetrics; view: Pick<SubscriptionView, 'eventType'> }): Router {
  const router = Router({ mergeParams: true });
  const ports = redeliveryPorts(deps);

  router.get('/deliveries', requireScope('deliveries:read'), async (req, res) => {
    const { account } = parseParams(AccountParams, req);
    const query = parseQuery(DeliveriesQuery, req);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) {
      throw new Invalid([{ path: 'cursor', message: 'cursor is not a next_cursor this API returned', code: 'custom' }], 'The query string is invalid; see errors for each problem.');
    }
    const unknownType = unknownMessageTypeIssues(query.message_type, deps.view.eventType);
    if (unknownType.length > 0) throw new Invalid(unknownType, 'The query string is invalid; see errors for each problem.');
    const page = await listDeliveries(deps.db, {
      account,
      status: query.status,
      messageType: query.message_type,
      callbackId: query.callback_id,
      since: query.since,
      until: query.until,
      cursor,
      limit: query.limit,
    });
    const body: DeliveriesResponse = {
      deliveries: page.rows.map(deliveryOf),
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    };
    res.json(body);
  });

  router.get('/deliveries/:delivery_id', requireScope('deliveries:read'), async (req, res) => {
    const { account, delivery_id } = parseParams(DeliveryParams, req);
    const row = await findDelivery(deps.db, account, delivery_id);
    if (row === undefined) throw new NotFound(`No delivery ${delivery_id} in this account.`);
    const attempts = await attemptsOf(deps.db, account, delivery_id);
    const body: Delivery = { ...deliveryOf(row), attempts: attempts.map(attemptOf) };
    res.json(body);
  });

  router.post('/deliveries/:delivery_id/redeliver', requireScope('deliveries:write'), async (req, res) => {
    const { account, delivery_id } = parseParams(DeliveryParams, req);
    const result = await answeringRedelivery(() => redeliver(ports, { account, deliveryId: delivery_id, requestedBy: authOf(res).subject }));
    deps.metrics.redeliveriesRequested.inc({ via: 'redeliver' });
    res.status(202).json(result);
  });

  return router;
}
