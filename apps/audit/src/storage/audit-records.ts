// Repository of the AUDIT stream's records: attempts, holds and redelivery requests, merged into deliveries;
// and event-ingest's reports of deduplicated repeats.
import type { AttemptRecord, AuditRecord, DeliveryAuditRecord, DeliveryHeldRecord, DuplicateIngestRecord, RedeliveryRequestedRecord } from '@hookmesh/contracts';
import { foldDeliveryPatches } from '../domain/delivery-state';
import { capText } from '../domain/response-excerpt';
import type { NewAttempt } from './attempts.table';
import type { AuditExecutor } from './database';
import { upsertDeliveryPatches } from './deliveries';
import { rowsOfTable } from './json-rows';

/** Longest error message kept per attempt; the excerpt has its own, configurable cap. */
export const ERROR_MESSAGE_MAX = 1024;

export interface AuditWriteResult {
  /** Rows stored for the first time (attempts, holds, redelivery requests, duplicate ingests); delivery_created only touches deliveries. */
  inserted: number;
  /** Records whose row already existed: redeliveries of a message or a re-published record. */
  alreadyStored: number;
}

function byKey<T>(records: readonly T[], key: (record: T) => string): T[] {
  const unique = new Map<string, T>();
  for (const record of records) unique.set(key(record), record);
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record);
}

const ATTEMPT_COLUMNS: ReadonlyArray<keyof NewAttempt & string> = [
  'delivery_id',
  'series',
  'attempt',
  'account',
  'message_id',
  'callback_id',
  'message_type',
  'url',
  'started_at',
  'latency_ms',
  'status_code',
  'outcome',
  'error_class',
  'error_message',
  'response_excerpt',
  'next_attempt_at',
  'trace_id',
];

async function insertAttempts(db: AuditExecutor, records: readonly AttemptRecord[], excerptMax: number): Promise<Map<string, number>> {
  const inserted = new Map<string, number>();
  const rows: NewAttempt[] = byKey(records, (r) => `${r.delivery_id}:${r.series}:${r.attempt}`).map((r) => ({
    delivery_id: r.delivery_id,
    series: r.series,
    attempt: r.attempt,
    account: r.account,
    message_id: r.message_id,
    callback_id: r.callback_id,
    message_type: r.message_type,
    url: r.url,
    started_at: r.started_at,
    latency_ms: r.latency_ms,
    status_code: r.status_code,
    outcome: r.outcome,
    error_class: r.error_class,
    error_message: capText(r.error_message, ERROR_MESSAGE_MAX),
    response_excerpt: capText(r.response_excerpt, excerptMax),
    next_attempt_at: r.next_attempt_at,
    trace_id: r.trace_id,
  }));
  if (rows.length === 0) return inserted;
  const returned = await db
    .insertInto('attempts')
    .columns(ATTEMPT_COLUMNS)
    .expression(rowsOfTable('attempts', rows, ATTEMPT_COLUMNS))
    .onConflict((oc) => oc.columns(['delivery_id', 'series', 'attempt']).doNothing())
    .returning('delivery_id')
    .execute();
  for (const { delivery_id } of returned) inserted.set(delivery_id, (inserted.get(delivery_id) ?? 0) + 1);
  return inserted;
}

async function insertHolds(db: AuditExecutor, records: readonly DeliveryHeldRecord[]): Promise<number> {
  const rows = byKey(records, (r) => `${r.delivery_id}:${r.series}:${r.attempt}:${Date.parse(r.held_at)}`).map((r) => ({
    delivery_id: r.delivery_id,
    series: r.series,
    attempt: r.attempt,
    held_at: r.held_at,
    account: r.account,
    callback_id: r.callback_id,
    reason: r.reason,
    next_attempt_at: r.next_attempt_at,
  }));
  if (rows.length === 0) return 0;
  const returned = await db
    .insertInto('delivery_holds')
    .values(rows)
    .onConflict((oc) => oc.columns(['delivery_id', 'series', 'attempt', 'held_at']).doNothing())
    .returning('delivery_id')
    .execute();
  return returned.length;
}

/** Stores redelivery requests (who asked, when); returns how many were new. */
export async function insertRedeliveryRequests(db: AuditExecutor, records: readonly RedeliveryRequestedRecord[]): Promise<number> {
  const rows = byKey(records, (r) => `${r.delivery_id}:${r.series}`).map((r) => ({
    delivery_id: r.delivery_id,
    series: r.series,
    account: r.account,
    message_id: r.message_id,
    callback_id: r.callback_id,
    requested_by: r.requested_by,
    requested_at: r.requested_at,
  }));
  if (rows.length === 0) return 0;
  const returned = await db
    .insertInto('redelivery_requests')
    .values(rows)
    .onConflict((oc) => oc.columns(['delivery_id', 'series']).doNothing())
    .returning('delivery_id')
    .execute();
  return returned.length;
}

/** Stores reports of deduplicated repeats, one row per repeated request; returns how many were new. */
export async function insertDuplicateIngests(db: AuditExecutor, records: readonly DuplicateIngestRecord[]): Promise<number> {
  const rows = byKey(records, (r) => r.repeat_id).map((r) => ({
    repeat_id: r.repeat_id,
    account: r.account,
    message_id: r.message_id,
    message_type: r.message_type,
    idempotency_key: r.idempotency_key,
    repeated_at: r.repeated_at,
  }));
  if (rows.length === 0) return 0;
  const returned = await db
    .insertInto('duplicate_ingests')
    .values(rows)
    .onConflict((oc) => oc.column('repeat_id').doNothing())
    .returning('repeat_id')
    .execute();
  return returned.length;
}

const isDeliveryRecord = (record: AuditRecord): record is DeliveryAuditRecord => record.kind !== 'duplicate_ingest';

/**
 * Writes a batch of audit records with multi-row inserts that skip rows already stored, then merges every record
 * into its delivery row. Idempotent and order-independent; run it in one transaction per batch.
 */
export async function writeAuditRecords(db: AuditExecutor, records: readonly AuditRecord[], options: { excerptMax: number }): Promise<AuditWriteResult> {
  const attempts = records.filter((r): r is AttemptRecord => r.kind === 'attempt');
  const holds = records.filter((r): r is DeliveryHeldRecord => r.kind === 'delivery_held');
  const redeliveries = records.filter((r): r is RedeliveryRequestedRecord => r.kind === 'redelivery_requested');
  const newAttempts = await insertAttempts(db, attempts, options.excerptMax);
  const newHolds = await insertHolds(db, holds);
  const newRedeliveries = await insertRedeliveryRequests(db, redeliveries);
  const duplicates = records.filter((r): r is DuplicateIngestRecord => r.kind === 'duplicate_ingest');
  const newDuplicates = await insertDuplicateIngests(db, duplicates);
  await upsertDeliveryPatches(db, foldDeliveryPatches(records.filter(isDeliveryRecord)).values(), newAttempts);
  const newRows = [...newAttempts.values()].reduce((sum, n) => sum + n, 0) + newHolds + newRedeliveries + newDuplicates;
  const rowRecords = attempts.length + holds.length + redeliveries.length + duplicates.length;
  return { inserted: newRows, alreadyStored: rowRecords - newRows };
}
