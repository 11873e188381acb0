// The window and buckets behind GET /stats/timeseries, and the zero-filled series built from per-bucket counts.
import {
  MAX_TIMESERIES_BUCKETS,
  TIMESERIES_BUCKET_MS,
  type TimeseriesBucket,
  type TimeseriesBucketSize,
  type TimeseriesQuery,
  type TimeseriesResponse,
} from '@hookmesh/contracts';
import { Invalid } from '@hookmesh/http';

const DAY_MS = 86_400_000;

export interface TimeseriesWindow {
  /** Rounded down to a bucket boundary, so every bucket but the last is whole. */
  since: Date;
  until: Date;
  bucket: TimeseriesBucketSize;
  bucketMs: number;
}

/** Per-bucket counts of deliveries created in it, keyed by the bucket start. */
export interface DeliveryBucketRow {
  start: Date;
  delivered: number;
  failed: number;
  retrying: number;
  held: number;
  circuit_open: number;
}

/** Per-bucket attempts started in it and their latency percentiles. */
export interface AttemptBucketRow {
  start: Date;
  attempts: number;
  p50: number | null;
  p95: number | null;
}

/** The bucket a window gets when the caller names none: about 60 to 360 points for the usual hour, day and week. */
export function defaultBucketFor(windowMs: number): TimeseriesBucketSize {
  if (windowMs <= 6 * 3_600_000) return 'minute';
  if (windowMs <= 15 * DAY_MS) return 'hour';
  return 'day';
}

const invalid = (path: string, message: string): Invalid =>
  new Invalid([{ path, message, code: 'custom' }], 'The query string is invalid; see errors for each problem.');

/** Start of the bucket holding `ms`, counted from the Unix epoch in UTC (what date_bin(…, 'epoch') computes). */
export function bucketStartOf(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs) * bucketMs;
}

/**
 * Resolves the query to a bounded window: until defaults to now, since to 24 h before until, the bucket to
 * defaultBucketFor. Throws Invalid when since is not before until or the window holds too many buckets.
 */
export function resolveTimeseriesWindow(query: Pick<TimeseriesQuery, 'since' | 'until' | 'bucket'>, now: Date): TimeseriesWindow {
  const until = query.until === undefined ? now : new Date(query.until);
  const asked = query.since === undefined ? new Date(until.getTime() - DAY_MS) : new Date(query.since);
  if (asked.getTime() >= until.getTime()) throw invalid('since', 'since must be before until');
  const bucket = query.bucket ?? defaultBucketFor(until.getTime() - asked.getTime());
  const bucketMs = TIMESERIES_BUCKET_MS[bucket];
  const since = new Date(bucketStartOf(asked.getTime(), bucketMs));
  const count = Math.ceil((until.getTime() - since.getTime()) / bucketMs);
  if (count > MAX_TIMESERIES_BUCKETS) {
    throw invalid(
      query.bucket === undefined ? 'since' : 'bucket',
      `the window holds ${count} ${bucket} buckets; at most ${MAX_TIMESERIES_BUCKETS} fit in one answer: choose a larger bucket or a shorter window`,
    );
  }
  return { since, until, bucket, bucketMs };
}

/** Every bucket start of the window, oldest first. */
export function bucketStarts(window: TimeseriesWindow): number[] {
  const starts: number[] = [];
  for (let start = window.since.getTime(); start < window.until.getTime(); start += window.bucketMs) starts.push(start);
  return starts;
}

const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 1000) / 1000);

/** Assembles the answer: one entry per bucket of the window, zeros where storage had no row. */
export function buildTimeseriesResponse(
  window: TimeseriesWindow,
  deliveries: readonly DeliveryBucketRow[],
  attempts: readonly AttemptBucketRow[],
): TimeseriesResponse {
  const deliveriesAt = new Map(deliveries.map((row) => [row.start.getTime(), row]));
  const attemptsAt = new Map(attempts.map((row) => [row.start.getTime(), row]));
  const buckets: TimeseriesBucket[] = bucketStarts(window).map((start) => {
    const d = deliveriesAt.get(start);
    const a = attemptsAt.get(start);
    return {
      start: new Date(start).toISOString(),
      delivered: d?.delivered ?? 0,
      failed: d?.failed ?? 0,
      retrying: d?.retrying ?? 0,
      held: d?.held ?? 0,
      circuit_open: d?.circuit_open ?? 0,
      attempts: a?.attempts ?? 0,
      p50_ms: round(a?.p50 ?? null),
      p95_ms: round(a?.p95 ?? null),
    };
  });
  return { since: window.since.toISOString(), until: window.until.toISOString(), bucket: window.bucket, buckets };
}
