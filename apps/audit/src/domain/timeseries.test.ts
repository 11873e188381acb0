import { describe, expect, it } from '@jest/globals';
import { Invalid } from '@hookmesh/http';
import { bucketStartOf, bucketStarts, buildTimeseriesResponse, defaultBucketFor, resolveTimeseriesWindow } from './timeseries';

const now = new Date('2026-06-01T12:34:56.789Z');
const HOUR = 3_600_000;

function invalidMessage(run: () => unknown): { path: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof Invalid) return error.errors?.[0] && { path: error.errors[0].path, message: error.errors[0].message };
    throw error;
  }
  return undefined;
}

describe('resolveTimeseriesWindow', () => {
  it('covers the last 24 hours in hour buckets by default, since rounded down to the hour', () => {
    const window = resolveTimeseriesWindow({}, now);
    expect(window).toEqual({ since: new Date('2026-05-31T12:00:00.000Z'), until: now, bucket: 'hour', bucketMs: HOUR });
    expect(bucketStarts(window)).toHaveLength(25);
  });

  it('picks minute buckets for an hour and day buckets for a month', () => {
    expect(resolveTimeseriesWindow({ since: '2026-06-01T11:34:56Z' }, now).bucket).toBe('minute');
    expect(resolveTimeseriesWindow({ since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' }, now).bucket).toBe('day');
    expect(defaultBucketFor(7 * 24 * HOUR)).toBe('hour');
  });

  it('keeps the bucket the caller names', () => {
    const window = resolveTimeseriesWindow({ since: '2026-06-01T10:15:00Z', until: '2026-06-01T12:00:00Z', bucket: 'minute' }, now);
    expect(window.since.toISOString()).toBe('2026-06-01T10:15:00.000Z');
    expect(bucketStarts(window)).toHaveLength(105);
  });

  it('refuses a window that does not move forward', () => {
    expect(invalidMessage(() => resolveTimeseriesWindow({ since: '2026-06-01T12:00:00Z', until: '2026-06-01T12:00:00Z' }, now))).toEqual({
      path: 'since',
      message: 'since must be before until',
    });
  });

  it('refuses more than 1500 buckets, naming the bucket and the way out', () => {
    const problem = invalidMessage(() => resolveTimeseriesWindow({ since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z', bucket: 'minute' }, now));
    expect(problem?.path).toBe('bucket');
    expect(problem?.message).toBe('the window holds 44640 minute buckets; at most 1500 fit in one answer: choose a larger bucket or a shorter window');
    // 1500 buckets exactly still fit.
    expect(resolveTimeseriesWindow({ since: '2026-06-01T00:00:00Z', until: '2026-06-02T01:00:00Z', bucket: 'minute' }, now).bucket).toBe('minute');
  });
});

describe('bucketStartOf', () => {
  it('aligns to UTC minutes, hours and days from the epoch', () => {
    const ms = Date.parse('2026-06-01T12:34:56.789Z');
    expect(new Date(bucketStartOf(ms, 60_000)).toISOString()).toBe('2026-06-01T12:34:00.000Z');
    expect(new Date(bucketStartOf(ms, HOUR)).toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect(new Date(bucketStartOf(ms, 24 * HOUR)).toISOString()).toBe('2026-06-01T00:00:00.000Z');
  });
});

describe('buildTimeseriesResponse', () => {
  it('fills every bucket of the window, zeros and null percentiles where nothing happened', () => {
    const window = resolveTimeseriesWindow({ since: '2026-06-01T09:00:00Z', until: '2026-06-01T12:00:00Z', bucket: 'hour' }, now);
    const response = buildTimeseriesResponse(
      window,
      [{ start: new Date('2026-06-01T10:00:00Z'), delivered: 3, failed: 1, retrying: 0, held: 2, circuit_open: 1 }],
      [{ start: new Date('2026-06-01T10:00:00Z'), attempts: 5, p50: 12.34567, p95: 99.9999 }],
    );
    expect(response).toEqual({
      since: '2026-06-01T09:00:00.000Z',
      until: '2026-06-01T12:00:00.000Z',
      bucket: 'hour',
      buckets: [
        { start: '2026-06-01T09:00:00.000Z', delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, attempts: 0, p50_ms: null, p95_ms: null },
        { start: '2026-06-01T10:00:00.000Z', delivered: 3, failed: 1, retrying: 0, held: 2, circuit_open: 1, attempts: 5, p50_ms: 12.346, p95_ms: 100 },
        { start: '2026-06-01T11:00:00.000Z', delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, attempts: 0, p50_ms: null, p95_ms: null },
      ],
    });
  });
});
