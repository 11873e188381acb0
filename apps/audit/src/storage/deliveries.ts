// Repository of deliveries: the merged upsert the consumers use, and the reads behind the query API.
import type { DeliveryStatus, MessageType } from '@hookmesh/contracts';
import type { KeysetCursor } from '@hookmesh/db';
import { sql, type Selectable } from 'kysely';
import type { DeliveryPatch } from '../domain/delivery-state';
import type { AttemptRow } from './attempts.table';
import type { AuditExecutor } from './database';
import type { DeliveriesTable, DeliveryRow, NewDelivery } from './deliveries.table';
import { rowsOfTable } from './json-rows';

const iso = (ms: number): string => new Date(ms).toISOString();

// Delivery ids are UUIDs (deliveryIdFor); anything else cannot exist and must not reach a uuid comparison (a 500).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const canBeDeliveryId = (id: string): boolean => UUID.test(id);

function rowOf(patch: DeliveryPatch, newAttempts: number): NewDelivery {
  return {
    id: patch.id,
    account: patch.account,
    message_id: patch.messageId,
    callback_id: patch.callbackId,
    message_type: patch.messageType,
    status: patch.state.status,
    series: patch.series,
    attempts_count: newAttempts,
    last_status_code: patch.lastAttempt?.statusCode ?? null,
    last_error: patch.lastAttempt?.error ?? null,
    created_at: iso(patch.createdAt),
    updated_at: iso(patch.updatedAt),
    next_attempt_at: patch.state.nextAttemptAt === null ? null : iso(patch.state.nextAttemptAt),
    state_series: patch.state.mark.series,
    state_attempt: patch.state.mark.attempt,
    state_rank: patch.state.mark.rank,
    state_at: iso(patch.state.mark.at),
    last_attempt_series: patch.lastAttempt?.series ?? -1,
    last_attempt_number: patch.lastAttempt?.attempt ?? 0,
  };
}

const DELIVERY_COLUMNS: ReadonlyArray<keyof NewDelivery & string> = [
  'id',
  'account',
  'message_id',
  'callback_id',
  'message_type',
  'status',
  'series',
  'attempts_count',
  'last_status_code',
  'last_error',
  'created_at',
  'updated_at',
  'next_attempt_at',
  'state_series',
  'state_attempt',
  'state_rank',
  'state_at',
  'last_attempt_series',
  'last_attempt_number',
];

// The same rule as mergeDeliveryPatches, in SQL: the stored row and the incoming patch meet in one statement.
const stateIsNewer = sql<boolean>`(excluded.state_series, excluded.state_attempt, excluded.state_rank, excluded.state_at)
  > (deliveries.state_series, deliveries.state_attempt, deliveries.state_rank, deliveries.state_at)`;
const attemptIsNewer = sql<boolean>`(excluded.last_attempt_series, excluded.last_attempt_number)
  > (deliveries.last_attempt_series, deliveries.last_attempt_number)`;
const ifNewerState = <T>(column: string) => sql<T>`case when ${stateIsNewer} then ${sql.ref(`excluded.${column}`)} else ${sql.ref(`deliveries.${column}`)} end`;
const ifNewerAttempt = <T>(column: string) =>
  sql<T>`case when ${attemptIsNewer} then ${sql.ref(`excluded.${column}`)} else ${sql.ref(`deliveries.${column}`)} end`;

/**
 * Merges one patch per delivery into the stored rows. `newAttempts` counts attempt rows this transaction really
 * inserted per delivery, so a redelivered attempt record never counts twice. Call inside the batch's transaction.
 */
export async function upsertDeliveryPatches(
  db: AuditExecutor,
  patches: Iterable<DeliveryPatch>,
  newAttempts: ReadonlyMap<string, number> = new Map(),
): Promise<void> {
  const rows = [...patches].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((patch) => rowOf(patch, newAttempts.get(patch.id) ?? 0));
  if (rows.length === 0) return;
  await db
    .insertInto('deliveries')
    .columns(DELIVERY_COLUMNS)
    .expression(rowsOfTable('deliveries', rows, DELIVERY_COLUMNS))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        created_at: sql`least(deliveries.created_at, excluded.created_at)`,
        updated_at: sql`greatest(deliveries.updated_at, excluded.updated_at)`,
        series: sql`greatest(deliveries.series, excluded.series)`,
        attempts_count: sql`deliveries.attempts_count + excluded.attempts_count`,
        status: ifNewerState('status'),
        next_attempt_at: ifNewerState('next_attempt_at'),
        state_series: ifNewerState('state_series'),
        state_attempt: ifNewerState('state_attempt'),
        state_rank: ifNewerState('state_rank'),
        state_at: ifNewerState('state_at'),
        last_status_code: ifNewerAttempt('last_status_code'),
        last_error: ifNewerAttempt('last_error'),
        last_attempt_series: ifNewerAttempt('last_attempt_series'),
        last_attempt_number: ifNewerAttempt('last_attempt_number'),
      }),
    )
    .execute();
}

export type ListedDelivery = Selectable<DeliveriesTable> & { cursor_created_at: string };

export interface DeliveryFilter {
  account: string;
  status?: DeliveryStatus | undefined;
  messageType?: MessageType | undefined;
  callbackId?: string | undefined;
  /** Inclusive lower and exclusive upper bound on created_at. */
  since?: string | undefined;
  until?: string | undefined;
  cursor?: KeysetCursor | undefined;
  limit: number;
}

function deliveriesPageQuery(db: AuditExecutor, filter: DeliveryFilter) {
  let query = db
    .selectFrom('deliveries')
    .selectAll()
    // Postgres keeps microseconds; a JS Date would drop them and the next page could repeat or skip a row.
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_created_at'))
    .where('account', '=', filter.account);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.messageType !== undefined) query = query.where('message_type', '=', filter.messageType);
  if (filter.callbackId !== undefined) query = query.where('callback_id', '=', filter.callbackId);
  if (filter.since !== undefined) query = query.where('created_at', '>=', new Date(filter.since));
  if (filter.until !== undefined) query = query.where('created_at', '<', new Date(filter.until));
  const { cursor } = filter;
  if (cursor !== undefined) {
    query = query.where(sql<boolean>`(created_at, id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  }
  // One row more than the page tells whether a next page exists without a count.
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit + 1);
}

/** One page of deliveries, newest first, after the cursor; `next` is set when more rows follow. */
export async function listDeliveries(db: AuditExecutor, filter: DeliveryFilter): Promise<{ rows: ListedDelivery[]; next: KeysetCursor | null }> {
  const rows = await deliveriesPageQuery(db, filter).execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const next = rows.length > filter.limit && last !== undefined ? { createdAt: last.cursor_created_at, id: last.id } : null;
  return { rows: page, next };
}

/** The exact SQL and parameters listDeliveries runs, so the benchmark (tools/bench) can EXPLAIN the real query. */
export function compileListDeliveries(db: AuditExecutor, filter: DeliveryFilter) {
  return deliveriesPageQuery(db, filter).compile();
}

/** One delivery of the account, or undefined. */
export async function findDelivery(db: AuditExecutor, account: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  if (!canBeDeliveryId(deliveryId)) return undefined;
  return db.selectFrom('deliveries').selectAll().where('account', '=', account).where('id', '=', deliveryId).executeTakeFirst();
}

/** Locks one delivery row for the rest of the transaction (redelivery allocates the next series under it). */
export async function lockDelivery(db: AuditExecutor, account: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  if (!canBeDeliveryId(deliveryId)) return undefined;
  return db.selectFrom('deliveries').selectAll().where('account', '=', account).where('id', '=', deliveryId).forUpdate().executeTakeFirst();
}

/** Every attempt of a delivery, oldest first. */
export async function attemptsOf(db: AuditExecutor, account: string, deliveryId: string): Promise<AttemptRow[]> {
  if (!canBeDeliveryId(deliveryId)) return [];
  return db
    .selectFrom('attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .where('account', '=', account)
    .orderBy('series')
    .orderBy('attempt')
    .execute();
}

/** Every delivery of one event, oldest first. */
export async function deliveriesOfMessage(db: AuditExecutor, account: string, messageId: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('account', '=', account)
    .where('message_id', '=', messageId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Ids of a callback's failed deliveries whose failure was recorded at or after `since`, in id order after `afterId`. */
export async function failedDeliveryIds(
  db: AuditExecutor,
  options: { account: string; callbackId: string; since: string; afterId: string | null; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('deliveries')
    .select('id')
    .where('account', '=', options.account)
    .where('callback_id', '=', options.callbackId)
    .where('status', '=', 'failed')
    .where('state_at', '>=', new Date(options.since));
  if (options.afterId !== null) query = query.where('id', '>', options.afterId);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map((row) => row.id);
}
