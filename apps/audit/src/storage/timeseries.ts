// Per-bucket aggregates behind GET /stats/timeseries: deliveries by current status (created in the bucket) and
// attempts with latency percentiles (started in it). Both are range scans on (account, time) indexes; the buckets
// are date_bin from the Unix epoch, so they match bucketStartOf in the domain.
import type { MessageType } from '@hookmesh/contracts';
import { sql } from 'kysely';
import type { AttemptBucketRow, DeliveryBucketRow, TimeseriesWindow } from '../domain/timeseries';
import type { AuditExecutor } from './database';

export interface TimeseriesFilter {
  account: string;
  callbackId?: string;
  messageType?: MessageType;
}

const EPOCH = sql`timestamptz '1970-01-01 00:00:00+00'`;
const binOf = (window: TimeseriesWindow, column: 'created_at' | 'started_at') =>
  sql<Date>`date_bin(${`${window.bucketMs / 1000} seconds`}::interval, ${sql.ref(column)}, ${EPOCH})`;

function deliveriesQuery(db: AuditExecutor, window: TimeseriesWindow, filter: TimeseriesFilter) {
  return db
    .selectFrom('deliveries')
    .select([
      binOf(window, 'created_at').as('start'),
      sql<number>`count(*) filter (where status = 'delivered')::int`.as('delivered'),
      sql<number>`count(*) filter (where status = 'failed')::int`.as('failed'),
      sql<number>`count(*) filter (where status = 'retrying')::int`.as('retrying'),
      sql<number>`count(*) filter (where status = 'held')::int`.as('held'),
      sql<number>`count(*) filter (where status = 'circuit_open')::int`.as('circuit_open'),
    ])
    .where('account', '=', filter.account)
    .where('created_at', '>=', window.since)
    .where('created_at', '<', window.until)
    .$if(filter.callbackId !== undefined, (qb) => qb.where('callback_id', '=', filter.callbackId!))
    .$if(filter.messageType !== undefined, (qb) => qb.where('message_type', '=', filter.messageType!))
    .groupBy(sql`1`);
}

function attemptsQuery(db: AuditExecutor, window: TimeseriesWindow, filter: TimeseriesFilter) {
  return db
    .selectFrom('attempts')
    .select([
      binOf(window, 'started_at').as('start'),
      sql<number>`count(*)::int`.as('attempts'),
      sql<number | null>`percentile_cont(0.5) within group (order by latency_ms)`.as('p50'),
      sql<number | null>`percentile_cont(0.95) within group (order by latency_ms)`.as('p95'),
    ])
    .where('account', '=', filter.account)
    .where('started_at', '>=', window.since)
    .where('started_at', '<', window.until)
    .$if(filter.callbackId !== undefined, (qb) => qb.where('callback_id', '=', filter.callbackId!))
    .$if(filter.messageType !== undefined, (qb) => qb.where('message_type', '=', filter.messageType!))
    .groupBy(sql`1`);
}

/** The two statements the route runs, compiled (the audit query benchmark times exactly these). */
export function compileTimeseriesQueries(db: AuditExecutor, window: TimeseriesWindow, filter: TimeseriesFilter) {
  return { deliveries: deliveriesQuery(db, window, filter).compile(), attempts: attemptsQuery(db, window, filter).compile() };
}

/** Rows of both aggregates for one account's window; buckets without activity are absent. */
export async function loadTimeseriesRows(
  db: AuditExecutor,
  window: TimeseriesWindow,
  filter: TimeseriesFilter,
): Promise<{ deliveries: DeliveryBucketRow[]; attempts: AttemptBucketRow[] }> {
  const [deliveries, attempts] = await Promise.all([deliveriesQuery(db, window, filter).execute(), attemptsQuery(db, window, filter).execute()]);
  return { deliveries, attempts };
}
