import { describe, expect, it } from '@jest/globals';
import type { CallbackStats, TimeseriesResponse } from '@hookmesh/contracts';
import { chartSeries, failingCallbacks, successRate, windowQuery, windowTotals } from './overview';

const series: TimeseriesResponse = {
  since: '2026-06-01T10:00:00.000Z',
  until: '2026-06-01T12:00:00.000Z',
  bucket: 'hour',
  buckets: [
    { start: '2026-06-01T10:00:00.000Z', delivered: 9, failed: 1, retrying: 2, held: 0, circuit_open: 1, attempts: 14, p50_ms: 20, p95_ms: 80 },
    { start: '2026-06-01T11:00:00.000Z', delivered: 0, failed: 0, retrying: 0, held: 3, circuit_open: 0, attempts: 0, p50_ms: null, p95_ms: null },
  ],
};

describe('windowQuery', () => {
  it('ends the window now and asks for the window’s bucket', () => {
    expect(windowQuery('week', Date.parse('2026-06-08T00:00:00Z'))).toEqual({ since: '2026-06-01T00:00:00.000Z', bucket: 'hour' });
    expect(windowQuery('hour', Date.parse('2026-06-01T01:00:00Z')).bucket).toBe('minute');
  });
});

describe('chartSeries', () => {
  it('gives one column entry per bucket, success rate in percent and gaps where nothing finished', () => {
    expect(chartSeries(series)).toEqual({
      x: [Date.parse('2026-06-01T10:00:00Z') / 1000, Date.parse('2026-06-01T11:00:00Z') / 1000],
      delivered: [9, 0],
      failed: [1, 0],
      retrying: [2, 0],
      held: [0, 3],
      circuitOpen: [1, 0],
      successPercent: [90, null],
      p95: [80, null],
    });
  });
});

describe('windowTotals', () => {
  it('adds the buckets up', () => {
    expect(windowTotals(series)).toEqual({ deliveries: 16, delivered: 9, failed: 1, retrying: 2, held: 3, circuitOpen: 1, attempts: 14, successRate: 0.9, worstP95: 80 });
    expect(successRate(0, 0)).toBeNull();
  });
});

describe('failingCallbacks', () => {
  const row = (callback_id: string, message_type: string, failed: number, retrying: number): CallbackStats => ({
    callback_id,
    message_type: message_type as CallbackStats['message_type'],
    delivered: 1,
    failed,
    retrying,
    held: 0,
    circuit_open: 0,
    pending: 0,
    attempts: failed + retrying + 1,
    p50_latency_ms: 10,
    p95_latency_ms: 10 * (failed + 1),
    retry_rate: 0,
  });

  it('sums a callback’s types and lists the worst first, leaving out the healthy ones', () => {
    const failing = failingCallbacks({ by_callback: [row('a', 'orderEvent', 1, 0), row('b', 'orderEvent', 0, 4), row('a', 'rmaEvent', 2, 1), row('c', 'orderEvent', 0, 0)] });
    expect(failing.map(({ callback_id, failed, retrying, message_types, p95_latency_ms }) => ({ callback_id, failed, retrying, message_types, p95_latency_ms }))).toEqual([
      { callback_id: 'a', failed: 3, retrying: 1, message_types: ['orderEvent', 'rmaEvent'], p95_latency_ms: 30 },
      { callback_id: 'b', failed: 0, retrying: 4, message_types: ['orderEvent'], p95_latency_ms: 10 },
    ]);
  });
});
