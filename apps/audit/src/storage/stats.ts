// Aggregates behind GET /stats: deliveries by current status (created in the window), attempts (started in it), events.
import type { MessageType } from '@hookmesh/contracts';
import { sql } from 'kysely';
import type { AttemptCounts, DeliveryCounts, StatsRows } from '../domain/stats';
import type { AuditExecutor } from './database';
import { countEventsInWindow } from './event-log';

interface Window {
  since: Date;
  until: Date;
}

const deliveryCounts = sql`
  count(*) filter (where status = 'delivered')::int as delivered,
  count(*) filter (where status = 'failed')::int as failed,
  count(*) filter (where status = 'retrying')::int as retrying,
  count(*) filter (where status = 'held')::int as held,
  count(*) filter (where status = 'circuit_open')::int as circuit_open,
  count(*) filter (where status = 'pending')::int as pending,
  count(*) filter (where attempts_count >= 1)::int as attempted,
  count(*) filter (where attempts_count > 1)::int as retried`;

const attemptCounts = sql`
  count(*)::int as attempts,
  percentile_cont(0.5) within group (order by latency_ms) as p50,
  percentile_cont(0.95) within group (order by latency_ms) as p95`;

/** Every aggregate of one account's window, grouped by message type and by (callback, message type). */
export async function loadStatsRows(db: AuditExecutor, account: string, window: Window): Promise<StatsRows> {
  const [deliveriesByType, attemptsByType, deliveriesByCallback, attemptsByCallback, eventsByType] = await Promise.all([
    sql<{ message_type: MessageType } & DeliveryCounts>`
      select message_type, ${deliveryCounts} from deliveries
       where account = ${account} and created_at >= ${window.since} and created_at < ${window.until}
       group by message_type`.execute(db),
    sql<{ message_type: MessageType } & AttemptCounts>`
      select message_type, ${attemptCounts} from attempts
       where account = ${account} and started_at >= ${window.since} and started_at < ${window.until}
       group by message_type`.execute(db),
    sql<{ callback_id: string; message_type: MessageType } & DeliveryCounts>`
      select callback_id, message_type, ${deliveryCounts} from deliveries
       where account = ${account} and created_at >= ${window.since} and created_at < ${window.until}
       group by callback_id, message_type`.execute(db),
    sql<{ callback_id: string; message_type: MessageType } & AttemptCounts>`
      select callback_id, message_type, ${attemptCounts} from attempts
       where account = ${account} and started_at >= ${window.since} and started_at < ${window.until}
       group by callback_id, message_type`.execute(db),
    countEventsInWindow(db, account, window),
  ]);
  return {
    deliveriesByType: deliveriesByType.rows,
    attemptsByType: attemptsByType.rows,
    deliveriesByCallback: deliveriesByCallback.rows,
    attemptsByCallback: attemptsByCallback.rows,
    eventsByType,
  };
}
