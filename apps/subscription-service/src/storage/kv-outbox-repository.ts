// The KV outbox: a change and its outbox row commit together, and the state publisher drains the rows to NATS.
import { sql } from 'kysely';
import type { Db } from './database';
import type { KvOutboxRow, OutboxKind } from './kv-outbox.table';

/** Which KV entry an outbox row stands for. */
export interface OutboxRef {
  kind: OutboxKind;
  account: string;
  ref: string;
}

// One lock for every publisher of every replica: whoever publishes a key must have read its state
// after the previous publisher of that key finished, or an older state could overwrite a newer one.
const PUBLISHER_LOCK = 0x6b766f75; // "kvou"

/** Records that these entries must be (re)published; call it in the transaction that made the change. */
export async function enqueueOutbox(db: Db, refs: readonly OutboxRef[]): Promise<void> {
  if (refs.length === 0) return;
  await db.insertInto('kv_outbox').values(refs.map((ref) => ({ kind: ref.kind, account: ref.account, ref: ref.ref }))).execute();
}

/** Takes the publisher lock for the rest of the transaction `tx`, waiting for another publisher to finish. */
export async function lockPublisher(tx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${PUBLISHER_LOCK})`.execute(tx);
}

/** The oldest pending rows, at most `limit`. */
export async function pendingOutbox(db: Db, limit: number): Promise<KvOutboxRow[]> {
  return db.selectFrom('kv_outbox').selectAll().orderBy('id').limit(limit).execute();
}

/** Marks an entry published up to `maxId`: rows added after its state was read stay pending. */
export async function completeOutbox(db: Db, ref: OutboxRef, maxId: number): Promise<void> {
  await db
    .deleteFrom('kv_outbox')
    .where('kind', '=', ref.kind)
    .where('account', '=', ref.account)
    .where('ref', '=', ref.ref)
    .where('id', '<=', maxId)
    .execute();
}

/** How many rows wait to be published. */
export async function countPendingOutbox(db: Db): Promise<number> {
  const row = await db.selectFrom('kv_outbox').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
