// Measures the audit service's page queries on a million attempts: bulk-loads a throwaway database with
// generate_series, then times each query with EXPLAIN ANALYZE. Run: DATABASE_URL=postgres://… npx nx run bench:audit-query
// (never part of npm test). Prints a markdown table for docs/audit-queries.md.
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
// The benchmark must time the service's own queries and migrations; a copy would measure something else.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { AUDIT_SCHEMA, type AuditDatabase } from '../../../apps/audit/src/storage/database';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { compileListDeliveries, type DeliveryFilter } from '../../../apps/audit/src/storage/deliveries';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { auditMigrations } from '../../../apps/audit/src/storage/migrations';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { resolveTimeseriesWindow } from '../../../apps/audit/src/domain/timeseries';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { compileTimeseriesQueries, type TimeseriesFilter } from '../../../apps/audit/src/storage/timeseries';

const ATTEMPTS = Number(process.env['BENCH_ATTEMPTS'] ?? 1_000_000);
const ATTEMPTS_PER_DELIVERY = 4;
const DELIVERIES = ATTEMPTS / ATTEMPTS_PER_DELIVERY;
const RUNS = 5;

interface Measurement {
  name: string;
  rows: number;
  medianMs: number;
  maxMs: number;
  plan: string;
}

async function explain(client: pg.Client, name: string, text: string, parameters: readonly unknown[]): Promise<Measurement> {
  const times: number[] = [];
  let rows = 0;
  let plan = '';
  for (let run = 0; run < RUNS; run += 1) {
    const result = await client.query<{ 'QUERY PLAN': Array<{ 'Execution Time': number; Plan: { 'Actual Rows': number; 'Node Type': string; 'Index Name'?: string; Plans?: unknown[] } }> }>(
      `explain (analyze, buffers, format json) ${text}`,
      [...parameters],
    );
    const [doc] = result.rows[0]?.['QUERY PLAN'] ?? [];
    if (doc === undefined) throw new Error(`no plan for ${name}`);
    times.push(doc['Execution Time']);
    rows = doc.Plan['Actual Rows'];
    plan = indexesOf(doc.Plan).join(', ') || doc.Plan['Node Type'];
  }
  times.sort((a, b) => a - b);
  return { name, rows, medianMs: times[Math.floor(RUNS / 2)] ?? NaN, maxMs: times[RUNS - 1] ?? NaN, plan };
}

function indexesOf(node: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record['Index Name'] === 'string') out.push(`${String(record['Node Type'])} ${record['Index Name']}`);
    else if (record['Node Type'] === 'Seq Scan') out.push(`Seq Scan ${String(record['Relation Name'])}`);
    for (const child of (record['Plans'] as unknown[] | undefined) ?? []) visit(child);
  };
  visit(node);
  return [...new Set(out)];
}

async function load(db: Kysely<AuditDatabase>): Promise<void> {
  // Two accounts (80/20), 50 callbacks, nine message types, 30 days; 85% delivered, 5% failed, 5% retrying, 3% held, 2% pending.
  await sql`
    insert into events (account, message_id, message_type, api_version, data, idempotency_key, ingested_at)
    select case when i % 5 = 0 then 'moduslink' else 'masonhub' end, 'm-' || i,
           (array['skuInventoryChange','snapshotReady','orderEvent','orderUpdateResolution','orderCancelResolution',
                  'inboundShipmentEvent','shipmentEvent','rmaEvent','qualityEvent'])[1 + i % 9],
           '1.0', jsonb_build_array(jsonb_build_object('order_id', i, 'status', 'fulfilled')), null,
           timestamptz '2026-01-01' + (i * interval '1 second' * (30 * 86400.0 / ${DELIVERIES}))
      from generate_series(1, ${DELIVERIES}) as i`.execute(db);
  await sql`
    insert into deliveries (id, account, message_id, callback_id, message_type, status, series, attempts_count, last_status_code,
                            last_error, created_at, updated_at, next_attempt_at, state_series, state_attempt, state_rank, state_at,
                            last_attempt_series, last_attempt_number)
    select md5('d-' || e.message_id)::uuid, e.account, e.message_id, 'cb-' || (abs(hashtext(e.message_id)) % 50), e.message_type,
           case when n % 100 < 85 then 'delivered' when n % 100 < 90 then 'failed' when n % 100 < 95 then 'retrying'
                when n % 100 < 98 then 'held' else 'pending' end,
           0, ${ATTEMPTS_PER_DELIVERY}, case when n % 100 < 85 then 200 else 503 end, null,
           e.ingested_at, e.ingested_at + interval '10 minutes', null, 0, ${ATTEMPTS_PER_DELIVERY}, 3,
           e.ingested_at + interval '10 minutes', 0, ${ATTEMPTS_PER_DELIVERY}
      from (select *, substr(message_id, 3)::int as n from events) e`.execute(db);
  await sql`
    insert into attempts (delivery_id, series, attempt, account, message_id, callback_id, message_type, url, started_at, latency_ms,
                          status_code, outcome, error_class, error_message, response_excerpt, next_attempt_at, trace_id)
    select d.id, 0, a, d.account, d.message_id, d.callback_id, d.message_type, 'https://client.example/hook',
           d.created_at + a * interval '2 minutes', 20 + (hashtext(d.id::text || a) & 1023),
           case when a = ${ATTEMPTS_PER_DELIVERY} then d.last_status_code else 503 end,
           case when a < ${ATTEMPTS_PER_DELIVERY} then 'retrying' when d.status = 'delivered' then 'delivered' else 'failed' end,
           null, null, '{"ok":false}', null, null
      from deliveries d cross join generate_series(1, ${ATTEMPTS_PER_DELIVERY}) as a`.execute(db);
  await sql`analyze`.execute(db);
}

async function main(): Promise<void> {
  const admin = process.env['DATABASE_URL'];
  if (!admin) throw new Error('set DATABASE_URL to a Postgres where the user may CREATE DATABASE');
  const name = `hm_bench_${Date.now()}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = createDatabase<AuditDatabase>({ connectionString: url.toString(), schema: AUDIT_SCHEMA });
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${AUDIT_SCHEMA}` });
  try {
    await migrateToLatest(db, AUDIT_SCHEMA, auditMigrations);
    const started = Date.now();
    await load(db);
    const loadSeconds = (Date.now() - started) / 1000;
    await client.connect();

    const middle = await client.query<{ created_at: string; id: string }>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at, id::text
         from deliveries where account = 'masonhub' order by created_at desc, id desc offset $1 limit 1`,
      [Math.floor(DELIVERIES * 0.4)],
    );
    const deep = middle.rows[0];
    if (deep === undefined) throw new Error('not enough rows for a deep cursor');
    const cursor = { createdAt: deep.created_at, id: deep.id };
    const page = (filter: Partial<DeliveryFilter>): DeliveryFilter => ({ account: 'masonhub', limit: 50, ...filter });
    const pages: Array<[string, DeliveryFilter]> = [
      ['first page, no filter', page({})],
      ['deep cursor (40% down), no filter', page({ cursor })],
      ['status=failed', page({ status: 'failed' })],
      ['status=failed, deep cursor', page({ status: 'failed', cursor })],
      ['callback_id', page({ callbackId: 'cb-7' })],
      ['message_type', page({ messageType: 'rmaEvent' })],
      ['status=held + callback_id', page({ status: 'held', callbackId: 'cb-7' })],
      ['status=pending + message_type + callback (rare)', page({ status: 'pending', messageType: 'rmaEvent', callbackId: 'cb-3' })],
      ['since/until one day', page({ since: '2026-01-15T00:00:00Z', until: '2026-01-16T00:00:00Z' })],
      ['limit=200', page({ limit: 200 })],
    ];
    const results: Measurement[] = [];
    for (const [label, filter] of pages) {
      const compiled = compileListDeliveries(db, filter);
      results.push(await explain(client, `GET /deliveries ${label}`, compiled.sql, compiled.parameters));
    }
    const someDelivery = await client.query<{ id: string; message_id: string }>(`select id::text, message_id from deliveries where account = 'masonhub' limit 1 offset ${Math.floor(DELIVERIES / 3)}`);
    const one = someDelivery.rows[0];
    if (one === undefined) throw new Error('no delivery');
    results.push(
      await explain(client, 'GET /deliveries/{id} attempts', `select * from attempts where delivery_id = $1 and account = $2 order by series, attempt`, [one.id, 'masonhub']),
      await explain(client, 'GET /messages/{id} deliveries', `select * from deliveries where account = $1 and message_id = $2 order by created_at, id`, ['masonhub', one.message_id]),
      await explain(
        client,
        'recover: failed of a callback since',
        `select id from deliveries where account = $1 and callback_id = $2 and status = 'failed' and state_at >= $3 order by id limit 100`,
        ['masonhub', 'cb-7', '2026-01-20T00:00:00Z'],
      ),
      await explain(
        client,
        'stats: attempts percentiles, 24 h',
        `select message_type, count(*), percentile_cont(0.5) within group (order by latency_ms), percentile_cont(0.95) within group (order by latency_ms)
           from attempts where account = $1 and started_at >= $2 and started_at < $3 group by message_type`,
        ['masonhub', '2026-01-15T00:00:00Z', '2026-01-16T00:00:00Z'],
      ),
      await explain(
        client,
        'stats: deliveries by status, 24 h',
        `select message_type, count(*) filter (where status = 'failed') from deliveries where account = $1 and created_at >= $2 and created_at < $3 group by message_type`,
        ['masonhub', '2026-01-15T00:00:00Z', '2026-01-16T00:00:00Z'],
      ),
    );
    // GET /stats/timeseries runs two statements per answer (deliveries by bucket, attempts by bucket), compiled by the service.
    const series: Array<[string, { since: string; until: string; bucket: 'minute' | 'hour' | 'day' }, Partial<TimeseriesFilter>]> = [
      ['last hour, minute buckets', { since: '2026-01-15T11:00:00Z', until: '2026-01-15T12:00:00Z', bucket: 'minute' }, {}],
      ['24 h, minute buckets (1440)', { since: '2026-01-15T00:00:00Z', until: '2026-01-16T00:00:00Z', bucket: 'minute' }, {}],
      ['24 h, hour buckets', { since: '2026-01-15T00:00:00Z', until: '2026-01-16T00:00:00Z', bucket: 'hour' }, {}],
      ['7 days, hour buckets', { since: '2026-01-10T00:00:00Z', until: '2026-01-17T00:00:00Z', bucket: 'hour' }, {}],
      ['7 days, hour buckets, callback_id', { since: '2026-01-10T00:00:00Z', until: '2026-01-17T00:00:00Z', bucket: 'hour' }, { callbackId: 'cb-7' }],
      ['7 days, hour buckets, message_type', { since: '2026-01-10T00:00:00Z', until: '2026-01-17T00:00:00Z', bucket: 'hour' }, { messageType: 'rmaEvent' }],
      ['30 days, day buckets', { since: '2026-01-01T00:00:00Z', until: '2026-01-31T00:00:00Z', bucket: 'day' }, {}],
    ];
    for (const [label, query, filter] of series) {
      const window = resolveTimeseriesWindow(query, new Date(query.until));
      const compiled = compileTimeseriesQueries(db, window, { account: 'masonhub', ...filter });
      results.push(
        await explain(client, `timeseries ${label}: deliveries`, compiled.deliveries.sql, compiled.deliveries.parameters),
        await explain(client, `timeseries ${label}: attempts`, compiled.attempts.sql, compiled.attempts.parameters),
      );
    }
    const counts = await client.query<{ attempts: string; deliveries: string }>(`select (select count(*) from attempts) as attempts, (select count(*) from deliveries) as deliveries`);
    const version = await client.query<{ server_version: string }>('show server_version');
    console.log(`Loaded ${counts.rows[0]?.attempts} attempts, ${counts.rows[0]?.deliveries} deliveries in ${loadSeconds.toFixed(1)} s on PostgreSQL ${version.rows[0]?.server_version}; median and max of ${RUNS} EXPLAIN ANALYZE runs (warm cache).\n`);
    console.log('| query | rows | median ms | max ms | plan (indexes used) |');
    console.log('|---|---:|---:|---:|---|');
    for (const r of results) console.log(`| ${r.name} | ${r.rows} | ${r.medianMs.toFixed(2)} | ${r.maxMs.toFixed(2)} | ${r.plan} |`);
  } finally {
    await client.end().catch(() => undefined);
    await db.destroy();
    await adminClient.query(`drop database if exists ${name} with (force)`);
    await adminClient.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
