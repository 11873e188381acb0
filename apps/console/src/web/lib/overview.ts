// The Overview page's numbers: the windows it offers, the chart series drawn from GET /stats/timeseries, and the
// failing callbacks taken from GET /stats.
import type { CallbackStats, StatsResponse, TimeseriesBucketSize, TimeseriesResponse } from '@hookmesh/contracts';

export const OVERVIEW_WINDOWS = {
  hour: { label: 'Last hour', ms: 3_600_000, bucket: 'minute', refreshMs: 10_000 },
  day: { label: 'Last day', ms: 86_400_000, bucket: 'hour', refreshMs: 30_000 },
  week: { label: 'Last week', ms: 7 * 86_400_000, bucket: 'hour', refreshMs: 60_000 },
} as const satisfies Record<string, { label: string; ms: number; bucket: TimeseriesBucketSize; refreshMs: number }>;

export type OverviewWindow = keyof typeof OVERVIEW_WINDOWS;

/** Length of each bucket size of GET /stats/timeseries, in seconds (the chart's x axis is in seconds). */
export const TIMESERIES_BUCKET_SECONDS = { minute: 60, hour: 3_600, day: 86_400 } as const satisfies Record<TimeseriesBucketSize, number>;

export function isOverviewWindow(value: string | null): value is OverviewWindow {
  return value !== null && Object.hasOwn(OVERVIEW_WINDOWS, value);
}

/** The since and bucket of a window ending now (until is left to the service's clock). */
export function windowQuery(window: OverviewWindow, now: number): { since: string; bucket: TimeseriesBucketSize } {
  const { ms, bucket } = OVERVIEW_WINDOWS[window];
  return { since: new Date(now - ms).toISOString(), bucket };
}

/** Delivered share of the deliveries that reached an end (delivered or failed); null when none did. */
export function successRate(delivered: number, failed: number): number | null {
  const finished = delivered + failed;
  return finished === 0 ? null : delivered / finished;
}

export interface ChartSeries {
  /** Bucket starts in epoch seconds (the x axis). */
  x: number[];
  delivered: number[];
  failed: number[];
  retrying: number[];
  held: number[];
  circuitOpen: number[];
  /** Per bucket, 0..100 (percent), null where nothing finished. */
  successPercent: Array<number | null>;
  p95: Array<number | null>;
}

/** Column arrays for the charts, one entry per bucket. */
export function chartSeries(response: TimeseriesResponse): ChartSeries {
  const series: ChartSeries = { x: [], delivered: [], failed: [], retrying: [], held: [], circuitOpen: [], successPercent: [], p95: [] };
  for (const bucket of response.buckets) {
    series.x.push(Date.parse(bucket.start) / 1000);
    series.delivered.push(bucket.delivered);
    series.failed.push(bucket.failed);
    series.retrying.push(bucket.retrying);
    series.held.push(bucket.held);
    series.circuitOpen.push(bucket.circuit_open);
    const rate = successRate(bucket.delivered, bucket.failed);
    series.successPercent.push(rate === null ? null : Math.round(rate * 1000) / 10);
    series.p95.push(bucket.p95_ms);
  }
  return series;
}

export interface WindowTotals {
  deliveries: number;
  delivered: number;
  failed: number;
  retrying: number;
  held: number;
  circuitOpen: number;
  attempts: number;
  successRate: number | null;
  /** The worst bucket's p95: the series holds no window-wide percentile, and the worst bucket is what to look at. */
  worstP95: number | null;
}

/** Sums of the window's buckets. */
export function windowTotals(response: TimeseriesResponse): WindowTotals {
  const totals = { delivered: 0, failed: 0, retrying: 0, held: 0, circuitOpen: 0, attempts: 0 };
  let worstP95: number | null = null;
  for (const bucket of response.buckets) {
    totals.delivered += bucket.delivered;
    totals.failed += bucket.failed;
    totals.retrying += bucket.retrying;
    totals.held += bucket.held;
    totals.circuitOpen += bucket.circuit_open;
    totals.attempts += bucket.attempts;
    if (bucket.p95_ms !== null && (worstP95 === null || bucket.p95_ms > worstP95)) worstP95 = bucket.p95_ms;
  }
  return {
    ...totals,
    deliveries: totals.delivered + totals.failed + totals.retrying + totals.held + totals.circuitOpen,
    successRate: successRate(totals.delivered, totals.failed),
    worstP95,
  };
}

export interface FailingCallback {
  callback_id: string;
  message_types: string[];
  failed: number;
  retrying: number;
  delivered: number;
  p95_latency_ms: number | null;
}

/** Callbacks with failed or retrying deliveries in the window, worst first (failed, then retrying), at most `limit`. */
export function failingCallbacks(stats: Pick<StatsResponse, 'by_callback'>, limit = 10): FailingCallback[] {
  const byId = new Map<string, FailingCallback>();
  for (const row of stats.by_callback as readonly CallbackStats[]) {
    const entry = byId.get(row.callback_id) ?? { callback_id: row.callback_id, message_types: [], failed: 0, retrying: 0, delivered: 0, p95_latency_ms: null };
    entry.message_types.push(row.message_type);
    entry.failed += row.failed;
    entry.retrying += row.retrying;
    entry.delivered += row.delivered;
    if (row.p95_latency_ms !== null && (entry.p95_latency_ms === null || row.p95_latency_ms > entry.p95_latency_ms)) entry.p95_latency_ms = row.p95_latency_ms;
    byId.set(row.callback_id, entry);
  }
  return [...byId.values()]
    .filter((entry) => entry.failed + entry.retrying > 0)
    .sort((a, b) => b.failed - a.failed || b.retrying - a.retrying || a.callback_id.localeCompare(b.callback_id))
    .slice(0, limit);
}
