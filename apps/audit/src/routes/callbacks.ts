// /callbacks/{id}/recover: redeliver every failed delivery of a callback since a time.
import { CallbackParams, RecoverRequest, type RecoverResponse } from '@hookmesh/contracts';
import { authOf, parseBody, parseParams, requireScope } from '@hookmesh/http';
import { Router } from 'express';
import { recoverCallback } from '../domain/redelivery';
import { redeliveryPorts, type RedeliveryDeps } from '../messaging/redelivery';
import type { AuditMetrics } from '../metrics';
import { answeringRedelivery } from './redelivery-answers';

/** Routes audit serves on the callbacks resource; mount under /:account/api/v1 behind requireAuth. */
export function callbacksRoutes(deps: RedeliveryDeps & { metrics: AuditMetrics }): Router {
  const router = Router({ mergeParams: true });
  const ports = redeliveryPorts(deps);

  router.post('/callbacks/:id/recover', requireScope('deliveries:write'), async (req, res) => {
    const { account, id } = parseParams(CallbackParams, req);
    const { since } = parseBody(RecoverRequest, req);
    const count = await answeringRedelivery(() => recoverCallback(ports, { account, callbackId: id, since, requestedBy: authOf(res).subject }));
    deps.metrics.redeliveriesRequested.inc({ via: 'recover' }, count);
    const body: RecoverResponse = { count };
    res.status(202).json(body);
  });

  return router;
}
