// Delivery log, replay and stats API served by audit.
import { z } from 'zod';
import { MessageType } from '../events';
import { Account, AttemptOutcome, DeliveryStatus, ErrorClass, IsoDateTime } from '../primitives';
import { AccountParams, IdParam, Uuid } from './common';

export const MAX_DELIVERIES_PAGE = 200;
export const DEFAULT_DELIVERIES_PAGE = 50;
/** Response bodies are kept up to this many characters in an attempt's excerpt. */
export const RESPONSE_EXCERPT_MAX_CHARS = 2048;

export const Attempt = z.object({
  attempt: z.number().int().positive(),
  series: z.number().int().nonnegative(),
  url: z.string().optional(),
  started_at: IsoDateTime,
  status_code: z.number().int().nullable(),
  latency_ms: z.number().nonnegative(),
  outcome: AttemptOutcome,
  error_class: ErrorClass.nullable(),
  error_message: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  trace_id: z.string().nullable(),
});
export type Attempt = z.infer<typeof Attempt>;

export const Delivery = z.object({
  id: Uuid,
  message_id: z.string(),
  callback_id: z.string(),
  account: Account,
  message_type: MessageType,
  status: DeliveryStatus,
  series: z.number().int().nonnegative().optional(),
  attempts_count: z.number().int().nonnegative(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
  next_attempt_at: IsoDateTime.nullable(),
  /** Present on GET /deliveries/{delivery_id}, oldest first. */
  attempts: z.array(Attempt).optional(),
});
export type Delivery = z.infer<typeof Delivery>;

// Query strings arrive as text, so limit is coerced.
export const DeliveriesQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  message_type: MessageType.optional(),
  callback_id: IdParam.optional(),
  since: IsoDateTime.optional(),
  until: IsoDateTime.optional(),
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be an integer')
    .min(1, 'limit must be at least 1')
    .max(MAX_DELIVERIES_PAGE, `limit must be at most ${MAX_DELIVERIES_PAGE}`)
    .default(DEFAULT_DELIVERIES_PAGE),
  /** Opaque keyset cursor from a previous page's next_cursor. */
  cursor: z.string().min(1).max(500).optional(),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

export const DeliveriesResponse = z.object({ deliveries: z.array(Delivery), next_cursor: z.string().nullable() });
export type DeliveriesResponse = z.infer<typeof DeliveriesResponse>;

export const DeliveryParams = AccountParams.extend({ delivery_id: IdParam });
export type DeliveryParams = z.infer<typeof DeliveryParams>;

export const MessageParams = AccountParams.extend({ message_id: IdParam });
export type MessageParams = z.infer<typeof MessageParams>;

/** The event as ingested. */
export const IngestedEvent = z.object({
  message_id: z.string(),
  account: Account,
  message_type: MessageType,
  api_version: z.string(),
  data: z.unknown(),
  idempotency_key: z.string().nullable(),
  ingested_at: IsoDateTime,
});
export type IngestedEvent = z.infer<typeof IngestedEvent>;

export const MessageResponse = z.object({ message: IngestedEvent, deliveries: z.array(Delivery) });
export type MessageResponse = z.infer<typeof MessageResponse>;

export const RedeliverResponse = z.object({ delivery_id: z.string(), series: z.number().int().positive() });
export type RedeliverResponse = z.infer<typeof RedeliverResponse>;

export const RecoverRequest = z.strictObject({ since: IsoDateTime });
export type RecoverRequest = z.infer<typeof RecoverRequest>;

export const RecoverResponse = z.object({ count: z.number().int().nonnegative() });
export type RecoverResponse = z.infer<typeof RecoverResponse>;

/** Without since the service reports the last 24 hours. */
export const StatsQuery = z.strictObject({ since: IsoDateTime.optional(), until: IsoDateTime.optional() });
export type StatsQuery = z.infer<typeof StatsQuery>;

const StatsCounters = z.object({
  delivered: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  retrying: z.number().int().nonnegative(),
  /** Waiting for their type's hold to be released. */
  held: z.number().int().nonnegative(),
  /** Waiting for their callback's open circuit to let an attempt through. */
  circuit_open: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  p50_latency_ms: z.number().nonnegative().nullable(),
  p95_latency_ms: z.number().nonnegative().nullable(),
  /** Share of deliveries that needed more than one attempt, 0..1. */
  retry_rate: z.number().min(0).max(1),
});

export const MessageTypeStats = StatsCounters.extend({
  message_type: MessageType,
  events: z.number().int().nonnegative(),
  duplicate_ingests: z.number().int().nonnegative(),
});
export type MessageTypeStats = z.infer<typeof MessageTypeStats>;

export const CallbackStats = StatsCounters.extend({ callback_id: z.string(), message_type: MessageType });
export type CallbackStats = z.infer<typeof CallbackStats>;

export const StatsResponse = z.object({
  since: IsoDateTime,
  until: IsoDateTime,
  by_message_type: z.array(MessageTypeStats),
  by_callback: z.array(CallbackStats),
  duplicate_ingests: z.number().int().nonnegative(),
});
export type StatsResponse = z.infer<typeof StatsResponse>;

/** Bucket sizes of GET /stats/timeseries, with their length in milliseconds. */
export const TIMESERIES_BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export const TimeseriesBucketSize = z.enum(['minute', 'hour', 'day'], { error: 'bucket must be one of: minute, hour, day' });
export type TimeseriesBucketSize = z.infer<typeof TimeseriesBucketSize>;
/** One answer holds at most this many buckets (a day of minutes fits; a longer window needs a larger bucket). */
export const MAX_TIMESERIES_BUCKETS = 1500;

/** Without since/until the series covers the last 24 hours; without bucket the service picks one for the window. */
export const TimeseriesQuery = z.strictObject({
  since: IsoDateTime.optional(),
  until: IsoDateTime.optional(),
  bucket: TimeseriesBucketSize.optional(),
  callback_id: IdParam.optional(),
  message_type: MessageType.optional(),
});
export type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

export const TimeseriesBucket = z.object({
  /** Start of the bucket (UTC, aligned to whole minutes, hours or days). */
  start: IsoDateTime,
  /** Deliveries created in the bucket, by current status. */
  delivered: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  retrying: z.number().int().nonnegative(),
  held: z.number().int().nonnegative(),
  /** Waiting for their callback's open circuit to let an attempt through. */
  circuit_open: z.number().int().nonnegative(),
  /** Attempts started in the bucket, whatever their outcome, and their latency percentiles (null without attempts). */
  attempts: z.number().int().nonnegative(),
  p50_ms: z.number().nonnegative().nullable(),
  p95_ms: z.number().nonnegative().nullable(),
});
export type TimeseriesBucket = z.infer<typeof TimeseriesBucket>;

export const TimeseriesResponse = z.object({
  /** The window served: since rounded down to a bucket boundary, until as asked (the last bucket may be partial). */
  since: IsoDateTime,
  until: IsoDateTime,
  bucket: TimeseriesBucketSize,
  /** Every bucket of the window, oldest first; buckets without activity carry zeros. */
  buckets: z.array(TimeseriesBucket),
});
export type TimeseriesResponse = z.infer<typeof TimeseriesResponse>;
