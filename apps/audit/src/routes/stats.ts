// /stats: delivery and processing figures per message type and per callback over a window (default: last 24 h),
// and /stats/timeseries: the same figures per minute, hour or day, for charts.
import { AccountParams, StatsQuery, TimeseriesQuery } from '@hookmesh/contracts';
import { Invalid, parseParams, parseQuery, requireScope } from '@hookmesh/http';
import { Router } from 'express';
import { buildStatsResponse } from '../domain/stats';
import { buildTimeseriesResponse, resolveTimeseriesWindow } from '../domain/timeseries';
import type { AuditDb } from '../storage/database';
import { loadStatsRows } from '../storage/stats';
import { loadTimeseriesRows } from '../storage/timeseries';

const DAY_MS = 86_400_000;

/** Routes of the stats resource; mount under /:account/api/v1 behind requireAuth. */
export function statsRoutes(deps: { db: AuditDb; now: () => Date }): Router {
  const router = Router({ mergeParams: true });

  router.get('/stats', requireScope('deliveries:read'), async (req, res) => {
    const { account } = parseParams(AccountParams, req);
    const query = parseQuery(StatsQuery, req);
    const until = query.until === undefined ? deps.now() : new Date(query.until);
    const since = query.since === undefined ? new Date(until.getTime() - DAY_MS) : new Date(query.since);
    if (since.getTime() >= until.getTime()) {
      throw new Invalid([{ path: 'since', message: 'since must be before until', code: 'custom' }], 'The query string is invalid; see errors for each problem.');
    }
    const rows = await loadStatsRows(deps.db, account, { since, until });
    res.json(buildStatsResponse({ since, until }, rows));
  });

  router.get('/stats/timeseries', requireScope('deliveries:read'), async (req, res) => {
    const { account } = parseParams(AccountParams, req);
    const query = parseQuery(TimeseriesQuery, req);
    const window = resolveTimeseriesWindow(query, deps.now());
    const rows = await loadTimeseriesRows(deps.db, window, { account, callbackId: query.callback_id, messageType: query.message_type });
    res.json(buildTimeseriesResponse(window, rows.deliveries, rows.attempts));
  });

  return router;
}
