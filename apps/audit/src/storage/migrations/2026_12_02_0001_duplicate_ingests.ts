// Repeated ingests that JetStream deduplicated: event-ingest reports each on AUDIT, so /stats can count them.
import { sql, type Kysely, type Migration } from 'kysely';

export const duplicateIngests20261202: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('duplicate_ingests')
      .addColumn('repeat_id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('repeated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index duplicate_ingests_account_repeated on duplicate_ingests (account, repeated_at)`.execute(db);
    await sql`create index duplicate_ingests_repeated on duplicate_ingests (repeated_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('duplicate_ingests').execute();
  },
};
