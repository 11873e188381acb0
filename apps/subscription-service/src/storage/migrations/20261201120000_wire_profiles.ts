// Wire profiles: the operator's own profiles, and each callback's profile, signing and schedule.
import { sql, type Kysely } from 'kysely';

/** Creates profiles, adds profile/signed/retry_schedule to callbacks and lets kv_outbox carry profiles. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('profiles')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('definition', 'jsonb', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull().check(sql`version > 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .execute();
  // Existing callbacks were delivered the standard way, signed.
  await db.schema.alterTable('callbacks').addColumn('profile', 'text', (col) => col.notNull().defaultTo('standard')).execute();
  await db.schema.alterTable('callbacks').addColumn('signed', 'boolean', (col) => col.notNull().defaultTo(true)).execute();
  await db.schema.alterTable('callbacks').addColumn('retry_schedule', 'text').execute();
  await db.schema.createIndex('callbacks_profile').on('callbacks').column('profile').execute();
  await sql`alter table kv_outbox drop constraint kv_outbox_kind_check`.execute(db);
  await sql`alter table kv_outbox add constraint kv_outbox_kind_check check (kind in ('callback', 'hold', 'event_type', 'profile'))`.execute(db);
}

/** Drops them again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from kv_outbox where kind = 'profile'`.execute(db);
  await sql`alter table kv_outbox drop constraint kv_outbox_kind_check`.execute(db);
  await sql`alter table kv_outbox add constraint kv_outbox_kind_check check (kind in ('callback', 'hold', 'event_type'))`.execute(db);
  await db.schema.dropIndex('callbacks_profile').execute();
  await db.schema.alterTable('callbacks').dropColumn('retry_schedule').execute();
  await db.schema.alterTable('callbacks').dropColumn('signed').execute();
  await db.schema.alterTable('callbacks').dropColumn('profile').execute();
  await db.schema.dropTable('profiles').execute();
}
