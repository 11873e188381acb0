// Repository of the event log (events + event_receipts).
import type { EventRecord, MessageType } from '@hookmesh/contracts';
import { sql } from 'kysely';
import type { AuditExecutor } from './database';
import type { NewEventReceipt } from './event-receipts.table';
import type { EventRow, NewEvent } from './events.table';
import { rowsOfTable } from './json-rows';

export interface ReceivedEvent {
  record: EventRecord;
  /** EVENTS stream sequence of the copy we read. */
  streamSeq: number;
  /** When JetStream stored that copy (ISO). */
  publishedAt: string;
}

export interface EventWriteResult {
  /** Events stored for the first time. */
  inserted: number;
  /** Events already stored (a consumer redelivery or a duplicate publish). */
  alreadyStored: number;
}

/** An events row as the JSON batch carries it: `data` is the event's JSON value, not a string of it. */
type EventBatchRow = Omit<NewEvent, 'data'> & { data: unknown };

const EVENT_COLUMNS: ReadonlyArray<keyof EventBatchRow & string> = [
  'account',
  'message_id',
  'message_type',
  'api_version',
  'data',
  'idempotency_key',
  'ingested_at',
];

const RECEIPT_COLUMNS: ReadonlyArray<keyof NewEventReceipt & string> = [
  'message_id',
  'stream_seq',
  'account',
  'message_type',
  'ingested_at',
  'published_at',
];

/** Stores a batch of events and their stream receipts; a repeat of either makes no second row. Run it in a transaction. */
export async function writeEvents(db: AuditExecutor, received: readonly ReceivedEvent[]): Promise<EventWriteResult> {
  if (received.length === 0) return { inserted: 0, alreadyStored: 0 };
  // One row per key, in key order: a statement must not meet its own row twice, and a fixed order avoids deadlocks.
  const events = new Map<string, ReceivedEvent>();
  const receipts = new Map<string, ReceivedEvent>();
  for (const item of received) {
    events.set(`${item.record.account}\u0000${item.record.message_id}`, item);
    receipts.set(`${item.record.message_id}\u0000${item.streamSeq}`, item);
  }
  const eventRows: EventBatchRow[] = [...events.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, { record }]) => ({
    account: record.account,
    message_id: record.message_id,
    message_type: record.message_type,
    api_version: record.api_version,
    // The JSON value itself: the batch is JSON already (rowsOfTable), and a jsonb column takes it as it is.
    data: record.data ?? null,
    idempotency_key: record.idempotency_key ?? null,
    ingested_at: record.ingested_at,
  }));
  const inserted = await db
    .insertInto('events')
    .columns(EVENT_COLUMNS)
    .expression(rowsOfTable('events', eventRows, EVENT_COLUMNS, { jsonbNullKept: ['data'] }))
    .onConflict((oc) => oc.columns(['account', 'message_id']).doNothing())
    .returning('message_id')
    .execute();
  const receiptRows: Array<NewEventReceipt> = [...receipts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, item]) => ({
    message_id: item.record.message_id,
    stream_seq: item.streamSeq,
    account: item.record.account,
    message_type: item.record.message_type,
    ingested_at: item.record.ingested_at,
    published_at: item.publishedAt,
  }));
  await db
    .insertInto('event_receipts')
    .columns(RECEIPT_COLUMNS)
    .expression(rowsOfTable('event_receipts', receiptRows, RECEIPT_COLUMNS))
    .onConflict((oc) => oc.columns(['message_id', 'stream_seq']).doNothing())
    .execute();
  return { inserted: inserted.length, alreadyStored: received.length - inserted.length };
}

/** The event as ingested, or undefined when it is not (or no longer) stored for this account. */
export async function findEvent(db: AuditExecutor, account: string, messageId: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('account', '=', account).where('message_id', '=', messageId).executeTakeFirst();
}

/**
 * Events and duplicate ingests per message type in a window. A duplicate ingest is a repeated request that
 * JetStream deduplicated (event-ingest reports each one: `duplicate_ingests`, counted when the repeat arrived),
 * a stream copy of an event that was already stored under an earlier sequence, or an event whose idempotency key
 * an earlier event of the account already used (a producer retry that outlived the JetStream dedupe window).
 * A consumer redelivery of one stream message is not one.
 */
export async function countEventsInWindow(
  db: AuditExecutor,
  account: string,
  window: { since: Date; until: Date },
): Promise<Array<{ message_type: MessageType; events: number; duplicate_ingests: number }>> {
  const { rows } = await sql<{ message_type: MessageType; events: number; duplicate_ingests: number }>`
    with stored as (
      select message_type, count(*)::int as events,
             count(*) filter (where idempotency_key is not null and exists (
               select 1 from events earlier
                where earlier.account = e.account and earlier.idempotency_key = e.idempotency_key
                  and (earlier.ingested_at, earlier.message_id) < (e.ingested_at, e.message_id)))::int as key_repeats
        from events e
       where account = ${account} and ingested_at >= ${window.since} and ingested_at < ${window.until}
       group by message_type
    ), copies as (
      select message_type, count(*)::int as copy_repeats
        from event_receipts r
       where account = ${account} and ingested_at >= ${window.since} and ingested_at < ${window.until}
         and exists (select 1 from event_receipts first where first.message_id = r.message_id and first.stream_seq < r.stream_seq)
       group by message_type
    ), repeats as (
      select message_type, count(*)::int as deduplicated
        from duplicate_ingests
       where account = ${account} and repeated_at >= ${window.since} and repeated_at < ${window.until}
       group by message_type
    ), types as (
      select message_type from stored union select message_type from copies union select message_type from repeats
    )
    select types.message_type,
           coalesce(stored.events, 0) as events,
           coalesce(stored.key_repeats, 0) + coalesce(copies.copy_repeats, 0) + coalesce(repeats.deduplicated, 0) as duplicate_ingests
      from types
      left join stored on stored.message_type = types.message_type
      left join copies on copies.message_type = types.message_type
      left join repeats on repeats.message_type = types.message_type`.execute(db);
  return rows;
}
