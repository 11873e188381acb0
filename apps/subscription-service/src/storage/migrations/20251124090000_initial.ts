// Callbacks, holds and the KV outbox of schema `subscription`.
import { sql, type Kysely } from 'kysely';

/** Creates callbacks, holds and kv_outbox. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('callbacks')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('account', 'text', (col) => col.notNull())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('message_type', 'text', (col) => col.notNull())
    .addColumn('api_version', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('active', 'disabled')`))
    .addColumn('token', 'jsonb')
    .addColumn('secrets', 'jsonb', (col) => col.notNull())
    .addColumn('timeout_ms', 'integer')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('callbacks_account_type').on('callbacks').columns(['account', 'message_type']).execute();
  await db.schema.createIndex('callbacks_account_created').on('callbacks').columns(['account', 'created_at', 'id']).execute();

  await db.schema
    .createTable('holds')
    .addColumn('account', 'text', (col) => col.notNull())
    .addColumn('message_type', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addPrimaryKeyConstraint('holds_pk', ['account', 'message_type'])
    .execute();

  await db.schema
    .createTable('kv_outbox')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('callback', 'hold')`))
    .addColumn('account', 'text', (col) => col.notNull())
    .addColumn('ref', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

/** Drops them again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('kv_outbox').execute();
  await db.schema.dropTable('holds').execute();
  await db.schema.dropTable('callbacks').execute();
}
