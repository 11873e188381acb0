// The registered part of the event catalog (the built-in types live in libs/contracts), and outbox rows for it.
import { sql, type Kysely } from 'kysely';

/** Creates event_types and lets kv_outbox carry event types. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_types')
    .addColumn('message_type', 'text', (col) => col.primaryKey())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull().check(sql`version > 0`))
    .addColumn('schema', 'jsonb', (col) => col.notNull())
    .addColumn('example', 'jsonb', (col) => col.notNull())
    .addColumn('thin', 'jsonb')
    .addColumn('ordering_key', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await sql`alter table kv_outbox drop constraint kv_outbox_kind_check`.execute(db);
  await sql`alter table kv_outbox add constraint kv_outbox_kind_check check (kind in ('callback', 'hold', 'event_type'))`.execute(db);
}

/** Drops them again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from kv_outbox where kind = 'event_type'`.execute(db);
  await sql`alter table kv_outbox drop constraint kv_outbox_kind_check`.execute(db);
  await sql`alter table kv_outbox add constraint kv_outbox_kind_check check (kind in ('callback', 'hold'))`.execute(db);
  await db.schema.dropTable('event_types').execute();
}
