// Queries on `event_types`, the registered part of the catalog.
import type { Db } from './database';
import type { EventTypeRow, NewEventTypeRow } from './event-types.table';

/** One registered type (archived or not), or undefined; `forUpdate` locks it for the caller's transaction. */
export async function findEventType(db: Db, messageType: string, options: { forUpdate?: boolean } = {}): Promise<EventTypeRow | undefined> {
  let query = db.selectFrom('event_types').selectAll().where('message_type', '=', messageType);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The registered rows among `names` (built-in and unknown names have none). */
export async function findEventTypes(db: Db, names: readonly string[]): Promise<EventTypeRow[]> {
  if (names.length === 0) return [];
  return db.selectFrom('event_types').selectAll().where('message_type', 'in', [...names]).execute();
}

/** Every registered type, by name. */
export async function listEventTypes(db: Db): Promise<EventTypeRow[]> {
  return db.selectFrom('event_types').selectAll().orderBy('message_type').execute();
}

/**
 * Stores a definition: inserts version 1, or replaces the row with the next version and clears its archive mark.
 * Runs the upsert in one statement, so two concurrent PUTs get two distinct versions.
 */
export async function upsertEventType(db: Db, row: Omit<NewEventTypeRow, 'version' | 'archived_at'>): Promise<{ row: EventTypeRow; created: boolean }> {
  const stored = await db
    .insertInto('event_types')
    .values({ ...row, version: 1, archived_at: null })
    .onConflict((oc) =>
      oc.column('message_type').doUpdateSet((eb) => ({
        description: eb.ref('excluded.description'),
        schema: eb.ref('excluded.schema'),
        example: eb.ref('excluded.example'),
        thin: eb.ref('excluded.thin'),
        ordering_key: eb.ref('excluded.ordering_key'),
        version: eb(eb.ref('event_types.version'), '+', 1),
        archived_at: null,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row: stored, created: stored.version === 1 };
}

/** Marks a type archived (keeping an earlier archive time); undefined when it is not registered. */
export async function archiveEventType(db: Db, messageType: string, at: Date): Promise<EventTypeRow | undefined> {
  return db
    .updateTable('event_types')
    .set((eb) => ({ archived_at: eb.fn.coalesce('archived_at', eb.val(at)), updated_at: at }))
    .where('message_type', '=', messageType)
    .returningAll()
    .executeTakeFirst();
}

/** Every registered name, for reconciling the KV bucket. */
export async function allEventTypeNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('event_types').select('message_type').execute();
  return rows.map((row) => row.message_type);
}
