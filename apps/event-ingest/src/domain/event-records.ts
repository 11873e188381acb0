// Pure ingest logic: validated producer events become EventRecords, stored results become the 202 body.
import { isDeepStrictEqual } from 'node:util';
import type { DuplicateIngestRecord, EventRecord, IngestEvent, IngestResponse, ParsedIngestRequest } from '@hookmesh/contracts';

/** Where ids and the ingest time come from; injected so tests can pin them. */
export interface RecordStamps {
  now: () => Date;
  newMessageId: () => string;
}

/** The API version Hookmesh stamps on every event it ingests (producers do not choose one). */
export const INGEST_API_VERSION = '1.0';

/** What JetStream made of one published event. */
export type PublishedEvent =
  /** Stored now, under its own message id. */
  | { outcome: 'stored'; message_id: string }
  /** Its idempotency key was stored before with the same event: answered with the first message id. */
  | { outcome: 'replayed'; message_id: string }
  /** Its idempotency key was stored before with another event: refused (the first event's id for the message). */
  | { outcome: 'conflict'; message_id: string };

/**
 * Wraps each event in an EventRecord with a fresh time-ordered message id; all events of one request share
 * ingested_at. `orderingKeys[i]` is the i-th event's resolved ordering key (its own, or its type's pointer's value).
 */
export function toEventRecords(account: string, events: readonly IngestEvent[], stamps: RecordStamps, orderingKeys: ReadonlyArray<string | undefined> = []): EventRecord[] {
  const ingestedAt = stamps.now().toISOString();
  return events.map((event, index) => ({
    message_id: stamps.newMessageId(),
    account,
    message_type: event.message_type,
    api_version: INGEST_API_VERSION,
    data: event.data,
    ...(event.idempotency_key === undefined ? {} : { idempotency_key: event.idempotency_key }),
    ingested_at: ingestedAt,
    ...(orderingKeys[index] === undefined ? {} : { ordering_key: orderingKeys[index] }),
  }));
}

/**
 * Whether a repeat of an idempotency key carries the event first stored under it: same type and same data, compared
 * as JSON (the stored copy went through JSON, so member order and members set to undefined do not count).
 */
export function sameEvent(first: Pick<EventRecord, 'message_type' | 'data'>, repeat: Pick<EventRecord, 'message_type' | 'data'>): boolean {
  const asJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  return first.message_type === repeat.message_type && isDeepStrictEqual(asJson(first.data), asJson(repeat.data));
}

/** One duplicate_ingest record per replayed event of a request, for audit's stats. */
export function duplicateIngestRecords(records: readonly EventRecord[], published: readonly PublishedEvent[], repeatedAt: Date): DuplicateIngestRecord[] {
  return records.flatMap((record, index): DuplicateIngestRecord[] => {
    const event = published[index];
    if (event?.outcome !== 'replayed' || record.idempotency_key === undefined) return [];
    return [
      {
        kind: 'duplicate_ingest',
        account: record.account,
        message_id: event.message_id,
        message_type: record.message_type,
        idempotency_key: record.idempotency_key,
        repeat_id: record.message_id,
        repeated_at: repeatedAt.toISOString(),
      },
    ];
  });
}

/**
 * The 202 body: `{message_id}` for a single event, `{events: [{message_id, replayed?}]}` in request order for a
 * batch, where `replayed: true` marks an entry answered with the id of an earlier event under the same key.
 */
export function acceptedBody(kind: ParsedIngestRequest['kind'], published: readonly Pick<PublishedEvent, 'outcome' | 'message_id'>[]): IngestResponse {
  if (kind === 'single') {
    const [event] = published;
    if (event === undefined || published.length !== 1) throw new Error(`a single event must have exactly one id, got ${published.length}`);
    return { message_id: event.message_id };
  }
  return { events: published.map((event) => (event.outcome === 'replayed' ? { message_id: event.message_id, replayed: true as const } : { message_id: event.message_id })) };
}

/** Whether every event of the request was a replay: the request as a whole repeated an earlier one (Idempotent-Replayed). */
export function wholeRequestReplayed(published: readonly PublishedEvent[]): boolean {
  return published.length > 0 && published.every((event) => event.outcome === 'replayed');
}
