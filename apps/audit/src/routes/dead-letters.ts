// GET /admin/api/v1/dead_letters: the operator's view of what consumers gave up on (the DEAD stream).
import { DeadLettersQuery, natsNames, type DeadLettersResponse } from '@hookmesh/contracts';
import { Unavailable, parseQuery, requireScope } from '@hookmesh/http';
import type { Logger } from '@hookmesh/logging';
import type { JetStreamManager } from '@hookmesh/messaging';
import { Router } from 'express';
import { listDeadLetters } from '../messaging/dead-letters';

/** Routes of the dead-letter resource; mount under /admin/api/v1 behind requireAdmin. */
export function deadLettersRoutes(deps: { jsm: JetStreamManager; prefix: string; log: Logger }): Router {
  const router = Router();
  const names = natsNames(deps.prefix);

  router.get('/dead_letters', requireScope('admin'), async (req, res) => {
    const query = parseQuery(DeadLettersQuery, req);
    let page;
    try {
      page = await listDeadLetters(deps.jsm, names, { limit: query.limit, beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor) });
    } catch (error) {
      (res.locals.log ?? deps.log).warn({ err: error }, 'cannot read the DEAD stream');
      throw new Unavailable(5, 'The dead-letter stream cannot be read right now; retry after Retry-After seconds.');
    }
    const body: DeadLettersResponse = { dead_letters: page.deadLetters, next_cursor: page.nextCursor };
    res.json(body);
  });

  return router;
}
