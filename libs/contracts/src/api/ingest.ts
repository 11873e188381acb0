// Event intake API served by event-ingest.
import { z } from 'zod';
import { OrderingKey } from '../delivery-controls';
import { MessageType } from '../events';
import { hasUnpairedSurrogate } from '../unstorable-text';

export const MAX_EVENTS_PER_BATCH = 500;

/** Response header of a 202 whose every event repeated an idempotency_key with the same event: nothing new was stored. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** Becomes part of a NATS header (Nats-Msg-Id), so control characters are refused. */
export const IdempotencyKey = z
  .string()
  .min(1, 'idempotency_key must not be empty')
  .max(200, 'idempotency_key must be at most 200 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'idempotency_key must not contain control characters')
  // The event log stores it as text, which an unpaired surrogate cannot be.
  .refine((key) => !hasUnpairedSurrogate(key), 'idempotency_key must be well-formed Unicode (no unpaired surrogate)');

/**
 * One event from a producer. Its `data` is checked against its message type by event-ingest, which holds the
 * catalog (built-in zod schemas and registered JSON Schemas); here only the shape of the request is.
 */
export const IngestEvent = z.strictObject({
  message_type: MessageType,
  data: z.unknown().refine((value): boolean => value !== undefined, 'data is required'),
  idempotency_key: IdempotencyKey.optional(),
  /** Deliveries of one key to an ordered callback go in ingest order; beats the type's ordering_key pointer. */
  ordering_key: OrderingKey.optional(),
});
export type IngestEvent = z.infer<typeof IngestEvent>;

export const IngestBatch = z
  .array(IngestEvent)
  .min(1, 'send at least one event')
  .max(MAX_EVENTS_PER_BATCH, `send at most ${MAX_EVENTS_PER_BATCH} events per batch`);
export type IngestBatch = z.infer<typeof IngestBatch>;

/** The body of POST /events, for documentation; parse with parseIngestRequest, whose issues are precise. */
export const IngestRequest = z.union([IngestEvent, IngestBatch]);
export type IngestRequest = z.infer<typeof IngestRequest>;

export type ParsedIngestRequest = { kind: 'single'; events: [IngestEvent] } | { kind: 'batch'; events: IngestBatch };

/** Parses a POST /events body: an array is a batch, anything else a single event; issues point at the exact item and field. */
export function parseIngestRequest(body: unknown): { success: true; data: ParsedIngestRequest } | { success: false; error: z.ZodError } {
  if (Array.isArray(body)) {
    const batch = IngestBatch.safeParse(body);
    return batch.success ? { success: true, data: { kind: 'batch', events: batch.data } } : { success: false, error: batch.error };
  }
  const single = IngestEvent.safeParse(body);
  return single.success ? { success: true, data: { kind: 'single', events: [single.data] } } : { success: false, error: single.error };
}

export const IngestAccepted = z.object({ message_id: z.string() });
export type IngestAccepted = z.infer<typeof IngestAccepted>;

/** One entry of a batch answer; `replayed: true` when its idempotency_key was stored before with the same event. */
export const IngestBatchEntry = z.object({ message_id: z.string(), replayed: z.literal(true).optional() });
export type IngestBatchEntry = z.infer<typeof IngestBatchEntry>;

export const IngestBatchAccepted = z.object({ events: z.array(IngestBatchEntry) });
export type IngestBatchAccepted = z.infer<typeof IngestBatchAccepted>;

export const IngestResponse = z.union([IngestAccepted, IngestBatchAccepted]);
export type IngestResponse = z.infer<typeof IngestResponse>;
