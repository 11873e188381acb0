// Queries on `holds`; every one is scoped by account. Expired rows are invisible to the API and pruned later.
import type { MessageType } from '@hookmesh/contracts';
import type { Db } from './database';
import type { HoldRow, NewHoldRow } from './holds.table';

/** The hold on the account's message type, expired or not, or undefined; `forUpdate` locks it. */
export async function findHold(db: Db, account: string, messageType: MessageType, options: { forUpdate?: boolean } = {}): Promise<HoldRow | undefined> {
  let query = db.selectFrom('holds').selectAll().where('account', '=', account).where('message_type', '=', messageType);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * Stores the hold unless the type is already held: an existing row is replaced only when it expired by `now`.
 * One statement, so two concurrent requests cannot both win. Returns undefined when an active hold exists.
 */
export async function insertHoldUnlessHeld(db: Db, hold: NewHoldRow, now: Date): Promise<HoldRow | undefined> {
  return db
    .insertInto('holds')
    .values(hold)
    .onConflict((conflict) =>
      conflict
        .columns(['account', 'message_type'])
        .doUpdateSet({ reason: hold.reason, created_at: hold.created_at, expires_at: hold.expires_at })
        .where('holds.expires_at', '<=', now),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Holds of the account that have not expired at `now`, by message type. */
export async function listActiveHolds(db: Db, account: string, now: Date): Promise<HoldRow[]> {
  return db
    .selectFrom('holds')
    .selectAll()
    .where('account', '=', account)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('message_type')
    .execute();
}

/** Deletes the hold row of the account's message type; returns what it held. */
export async function deleteHold(db: Db, account: string, messageType: MessageType): Promise<HoldRow | undefined> {
  return db.deleteFrom('holds').where('account', '=', account).where('message_type', '=', messageType).returningAll().executeTakeFirst();
}

/** Deletes every hold that expired at or before `now`; returns the deleted rows. */
export async function deleteExpiredHolds(db: Db, now: Date): Promise<HoldRow[]> {
  return db.deleteFrom('holds').where('expires_at', '<=', now).returningAll().execute();
}

/** Every hold's (account, message_type), for a full republish of the KV bucket. */
export async function allHoldKeys(db: Db): Promise<Array<{ account: string; message_type: MessageType }>> {
  return db.selectFrom('holds').select(['account', 'message_type']).execute();
}
