// Delivery controls on callbacks: order per key, a rate limit, and the several types an operational callback takes.
import { sql, type Kysely } from 'kysely';

/** Adds ordered, ordered_from_seq, rate_limit and message_types to callbacks. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('callbacks').addColumn('ordered', 'boolean', (col) => col.notNull().defaultTo(false)).execute();
  // The EVENTS sequence from which the callback's keyed events are delivered in order (set with ordered).
  await db.schema.alterTable('callbacks').addColumn('ordered_from_seq', 'bigint').execute();
  await db.schema.alterTable('callbacks').addColumn('rate_limit', 'jsonb').execute();
  await db.schema.alterTable('callbacks').addColumn('message_types', sql`text[]`).execute();
  await sql`alter table callbacks add constraint callbacks_ordered_from_seq check (not ordered or ordered_from_seq is not null)`.execute(db);
}

/** Drops them again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table callbacks drop constraint callbacks_ordered_from_seq`.execute(db);
  for (const column of ['message_types', 'rate_limit', 'ordered_from_seq', 'ordered']) await db.schema.alterTable('callbacks').dropColumn(column).execute();
}
