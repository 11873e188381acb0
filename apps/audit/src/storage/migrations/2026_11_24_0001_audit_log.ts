// Initial audit schema. Migrations never import app code: they describe the tables as they were on this day.
import { sql, type Kysely, type Migration } from 'kysely';

export const auditLog20261124: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('events')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('api_version', 'text', (c) => c.notNull())
      .addColumn('data', 'jsonb', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('ingested_at', 'timestamptz', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('events_pkey', ['account', 'message_id'])
      .execute();
    await sql`create index events_account_ingested on events (account, ingested_at)`.execute(db);
    await sql`create index events_ingested on events (ingested_at)`.execute(db);
    await sql`create index events_account_idempotency on events (account, idempotency_key, ingested_at) where idempotency_key is not null`.execute(db);

    await db.schema
      .createTable('event_receipts')
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('stream_seq', 'bigint', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('ingested_at', 'timestamptz', (c) => c.notNull())
      .addColumn('published_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_receipts_pkey', ['message_id', 'stream_seq'])
      .execute();
    await sql`create index event_receipts_account_ingested on event_receipts (account, ingested_at)`.execute(db);
    await sql`create index event_receipts_published on event_receipts (published_at)`.execute(db);

    await db.schema
      .createTable('deliveries')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('callback_id', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'held', 'retrying', 'delivered', 'failed')`))
      .addColumn('series', 'integer', (c) => c.notNull())
      .addColumn('attempts_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('next_attempt_at', 'timestamptz')
      .addColumn('state_series', 'integer', (c) => c.notNull())
      .addColumn('state_attempt', 'integer', (c) => c.notNull())
      .addColumn('state_rank', 'smallint', (c) => c.notNull())
      .addColumn('state_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_attempt_series', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('last_attempt_number', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // Keyset pages walk (created_at, id) backwards inside one account, optionally narrowed by one filter column;
    // docs/audit-queries.md has the measurements behind this set.
    await sql`create index deliveries_account_created on deliveries (account, created_at, id)`.execute(db);
    await sql`create index deliveries_account_status_created on deliveries (account, status, created_at, id)`.execute(db);
    await sql`create index deliveries_account_callback_created on deliveries (account, callback_id, created_at, id)`.execute(db);
    await sql`create index deliveries_account_type_created on deliveries (account, message_type, created_at, id)`.execute(db);
    await sql`create index deliveries_account_message on deliveries (account, message_id)`.execute(db);
    await sql`create index deliveries_failed_by_callback on deliveries (account, callback_id, state_at) where status = 'failed'`.execute(db);
    await sql`create index deliveries_updated on deliveries (updated_at)`.execute(db);

    await db.schema
      .createTable('attempts')
      .addColumn('delivery_id', 'uuid', (c) => c.notNull())
      .addColumn('series', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('callback_id', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('started_at', 'timestamptz', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error_class', 'text')
      .addColumn('error_message', 'text')
      .addColumn('response_excerpt', 'text')
      .addColumn('next_attempt_at', 'timestamptz')
      .addColumn('trace_id', 'text')
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('attempts_pkey', ['delivery_id', 'series', 'attempt'])
      .execute();
    await sql`create index attempts_account_started on attempts (account, started_at)`.execute(db);
    await sql`create index attempts_started on attempts (started_at)`.execute(db);

    await db.schema
      .createTable('delivery_holds')
      .addColumn('delivery_id', 'uuid', (c) => c.notNull())
      .addColumn('series', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('held_at', 'timestamptz', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('callback_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('next_attempt_at', 'timestamptz')
      .addPrimaryKeyConstraint('delivery_holds_pkey', ['delivery_id', 'series', 'attempt', 'held_at'])
      .execute();
    await sql`create index delivery_holds_held on delivery_holds (held_at)`.execute(db);

    await db.schema
      .createTable('redelivery_requests')
      .addColumn('delivery_id', 'uuid', (c) => c.notNull())
      .addColumn('series', 'integer', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('callback_id', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('redelivery_requests_pkey', ['delivery_id', 'series'])
      .execute();
    await sql`create index redelivery_requests_requested on redelivery_requests (requested_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['redelivery_requests', 'delivery_holds', 'attempts', 'deliveries', 'event_receipts', 'events']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
