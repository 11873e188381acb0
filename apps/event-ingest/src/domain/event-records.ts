// Pure ingest logic: validated producer events become EventRecords, stored results become the 202 body.
import type { EventRecord, IngestEvent, IngestResponse, ParsedIngestRequest } from '@hookmesh/contracts';

/** Where ids and the ingest time come from; injected so tests can pin them. */
export interface RecordStamps {
  now: () => Date;
  newMessageId: () => string;
}

/** The API version Hookmesh stamps on every event it ingests (producers do not choose one). */
export const INGEST_API_VERSION = '1.0';

/** Wraps each event in an EventRecord with a fresh time-ordered message id; all events of one request share ingested_at. */
export function toEventRecords(account: string, events: readonly IngestEvent[], stamps: RecordStamps): EventRecord[] {
  const ingestedAt = stamps.now().toISOString();
  return events.map((event) => ({
    message_id: stamps.newMessageId(),
    account,
    message_type: event.message_type,
    api_version: INGEST_API_VERSION,
    data: event.data,
    ...(event.idempotency_key === undefined ? {} : { idempotency_key: event.idempotency_key }),
    ingested_at: ingestedAt,
  }));
}

/** The 202 body: `{message_id}` for a single event, `{events: [{message_id}]}` in request order for a batch. */
export function acceptedBody(kind: ParsedIngestRequest['kind'], messageIds: readonly string[]): IngestResponse {
  if (kind === 'single') {
    const [messageId] = messageIds;
    if (messageId === undefined || messageIds.length !== 1) throw new Error(`a single event must have exactly one id, got ${messageIds.length}`);
    return { message_id: messageId };
  }
  return { events: messageIds.map((messageId) => ({ message_id: messageId })) };
}
