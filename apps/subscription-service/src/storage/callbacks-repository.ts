// Queries on `callbacks`; every one is scoped by account, so one tenant can never reach another's rows.
import type { MessageType, Sealed, SealedSecretEntry } from '@hookmesh/contracts';
import { sql } from 'kysely';
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

/** The account's callbacks, oldest first, optionally of one message type. */
export async function listCallbacks(db: Db, account: string, messageType: MessageType | 'all'): Promise<CallbackRow[]> {
  let query = db.selectFrom('callbacks').selectAll().where('account', '=', account);
  if (messageType !== 'all') query = query.where('message_type', '=', messageType);
  return query.orderBy('created_at').orderBy('id').execute();
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
