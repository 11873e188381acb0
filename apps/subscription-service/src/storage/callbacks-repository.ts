// Queries on `callbacks`; every one is scoped by account, so one tenant can never reach another's rows.
import type { MessageType, RateLimit, Sealed, SealedSecretEntry } from '@hookmesh/contracts';
import type { KeysetCursor } from '@hookmesh/db';
import { sql } from 'kysely';
import type { CallbackCounts } from '../domain/callback-limits';
import type { CallbackRow, NewCallbackRow } from './callbacks.table';
import type { Db } from './database';

// Callback ids are UUIDs we minted; anything else cannot exist, and must not reach a uuid comparison (a 500).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` could name a callback at all. */
export function isCallbackId(id: string): boolean {
  return UUID.test(id);
}

/** Inserts the rows (secrets and token already sealed and JSON-encoded). */
export async function insertCallbacks(db: Db, rows: readonly NewCallbackRow[]): Promise<CallbackRow[]> {
  if (rows.length === 0) return [];
  return db.insertInto('callbacks').values([...rows]).returningAll().execute();
}

export interface CallbackPageFilter {
  messageType: MessageType | 'all';
  /** Start after this row; absent for the first page. */
  cursor?: KeysetCursor | undefined;
  limit: number;
}

/** One page of the account's callbacks, oldest first; `next` is set when more rows follow. */
export async function listCallbacks(db: Db, account: string, filter: CallbackPageFilter): Promise<{ rows: CallbackRow[]; next: KeysetCursor | null }> {
  let query = db
    .selectFrom('callbacks')
    .selectAll()
    // Postgres keeps microseconds; a JS Date would drop them and the next page could repeat or skip a row.
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_created_at'))
    .where('account', '=', account);
  if (filter.messageType !== 'all') query = query.where('message_type', '=', filter.messageType);
  const { cursor } = filter;
  if (cursor !== undefined) query = query.where(sql<boolean>`(created_at, id) > (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  // One row more than the page tells whether a next page exists without a count.
  const found = await query.orderBy('created_at').orderBy('id').limit(filter.limit + 1).execute();
  const page = found.slice(0, filter.limit);
  const last = page[page.length - 1];
  const next = found.length > filter.limit && last !== undefined ? { createdAt: last.cursor_created_at, id: last.id } : null;
  return { rows: page.map(({ cursor_created_at: _position, ...row }) => row), next };
}

/**
 * Serialises the caller's transaction with every other one that changes how many callbacks the account holds, so
 * two concurrent creates cannot both pass the limit check; released at commit or rollback.
 */
export async function lockAccountCallbacks(db: Db, account: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`callbacks:${account}`}, 0))`.execute(db);
}

/** How many callbacks the account holds, in all and per message type (active and disabled alike). */
export async function countCallbacks(db: Db, account: string): Promise<CallbackCounts> {
  const rows = await db
    .selectFrom('callbacks')
    .select(['message_type', (eb) => eb.fn.countAll<string>().as('count')])
    .where('account', '=', account)
    .groupBy('message_type')
    .execute();
  const byMessageType = new Map(rows.map((row) => [row.message_type as string, Number(row.count)]));
  return { total: [...byMessageType.values()].reduce((sum, count) => sum + count, 0), byMessageType };
}

/** One callback of the account, or undefined; `forUpdate` locks the row for the caller's transaction. */
export async function findCallback(db: Db, account: string, id: string, options: { forUpdate?: boolean } = {}): Promise<CallbackRow | undefined> {
  if (!isCallbackId(id)) return undefined;
  let query = db.selectFrom('callbacks').selectAll().where('account', '=', account).where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface CallbackChanges {
  url?: string;
  /** null removes the token. */
  token?: Sealed | null;
  status?: CallbackRow['status'];
  secrets?: SealedSecretEntry[];
  profile?: string;
  signed?: boolean;
  /** null removes the callback's own schedule (its profile's applies). */
  retrySchedule?: string | null;
  /** null removes the callback's own timeout. */
  timeoutMs?: number | null;
  /** Set with a disable, null with a re-enable. */
  disabledReason?: string | null;
  /** null removes the limit. */
  rateLimit?: RateLimit | null;
  updatedAt: Date;
}

/** Applies the changes to one callback of the account; undefined when it does not exist. */
export async function updateCallback(db: Db, account: string, id: string, changes: CallbackChanges): Promise<CallbackRow | undefined> {
  if (!isCallbackId(id)) return undefined;
  return db
    .updateTable('callbacks')
    .set({
      updated_at: changes.updatedAt,
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.token !== undefined ? { token: changes.token === null ? null : JSON.stringify(changes.token) } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.secrets !== undefined ? { secrets: JSON.stringify(changes.secrets) } : {}),
      ...(changes.profile !== undefined ? { profile: changes.profile } : {}),
      ...(changes.signed !== undefined ? { signed: changes.signed } : {}),
      ...(changes.retrySchedule !== undefined ? { retry_schedule: changes.retrySchedule } : {}),
      ...(changes.timeoutMs !== undefined ? { timeout_ms: changes.timeoutMs } : {}),
      ...(changes.disabledReason !== undefined ? { disabled_reason: changes.disabledReason } : {}),
      ...(changes.rateLimit !== undefined ? { rate_limit: changes.rateLimit === null ? null : JSON.stringify(changes.rateLimit) } : {}),
    })
    .where('account', '=', account)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the account's callbacks among `ids`; returns the ids that existed. */
export async function deleteCallbacks(db: Db, account: string, ids: readonly string[]): Promise<string[]> {
  const candidates = ids.filter(isCallbackId);
  if (candidates.length === 0) return [];
  const deleted = await db.deleteFrom('callbacks').where('account', '=', account).where('id', 'in', candidates).returning('id').execute();
  return deleted.map((row) => row.id);
}

/** Callbacks holding a rotated-out secret whose overlap has ended, locked for the caller's transaction. */
export async function callbacksWithExpiredSecrets(db: Db, now: Date, limit: number): Promise<CallbackRow[]> {
  return db
    .selectFrom('callbacks')
    .selectAll()
    .where(
      sql<boolean>`exists (select 1 from jsonb_array_elements(secrets) as entry where (entry->>'expires_at')::timestamptz <= ${now})`,
    )
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Every callback's (account, id), for a full republish of the KV bucket. */
export async function allCallbackKeys(db: Db): Promise<Array<{ account: string; id: string }>> {
  return db.selectFrom('callbacks').select(['account', 'id']).execute();
}
