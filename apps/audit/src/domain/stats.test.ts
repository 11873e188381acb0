import { describe, expect, it } from '@jest/globals';
import { buildStatsResponse, type DeliveryCounts } from './stats';

const counts = (overrides: Partial<DeliveryCounts>): DeliveryCounts => ({
  delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 0, attempted: 0, retried: 0, ...overrides,
});
const window = { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2026-01-02T00:00:00Z') };

describe('buildStatsResponse', () => {
  it('joins deliveries, attempts and events of a type and computes the retry rate', () => {
    const stats = buildStatsResponse(window, {
      deliveriesByType: [{ message_type: 'orderEvent', ...counts({ delivered: 3, failed: 1, attempted: 4, retried: 1 }) }],
      attemptsByType: [{ message_type: 'orderEvent', attempts: 6, p50: 100.12345, p95: 900 }],
      eventsByType: [{ message_type: 'orderEvent', events: 2, duplicate_ingests: 1 }],
      deliveriesByCallback: [],
      attemptsByCallback: [],
    });
    expect(stats.by_message_type).toEqual([
      {
        message_type: 'orderEvent', events: 2, duplicate_ingests: 1, delivered: 3, failed: 1, retrying: 0, held: 0, circuit_open: 0, pending: 0,
        attempts: 6, p50_latency_ms: 100.123, p95_latency_ms: 900, retry_rate: 0.25,
      },
    ]);
    expect(stats.duplicate_ingests).toBe(1);
    expect(stats.since).toBe('2026-01-01T00:00:00.000Z');
  });

  it('reports a type with events but no deliveries with zero counters and null latencies', () => {
    const stats = buildStatsResponse(window, {
      deliveriesByType: [],
      attemptsByType: [],
      eventsByType: [{ message_type: 'snapshotReady', events: 1, duplicate_ingests: 0 }],
      deliveriesByCallback: [],
      attemptsByCallback: [],
    });
    expect(stats.by_message_type[0]).toMatchObject({ message_type: 'snapshotReady', attempts: 0, p50_latency_ms: null, retry_rate: 0 });
  });

  it('lists each (callback, type) pair seen in deliveries or attempts once', () => {
    const stats = buildStatsResponse(window, {
      deliveriesByType: [],
      attemptsByType: [],
      eventsByType: [],
      deliveriesByCallback: [{ callback_id: 'b', message_type: 'orderEvent', ...counts({ held: 1 }) }],
      attemptsByCallback: [
        { callback_id: 'b', message_type: 'orderEvent', attempts: 1, p50: 5, p95: 5 },
        { callback_id: 'a', message_type: 'rmaEvent', attempts: 2, p50: 1, p95: 2 },
      ],
    });
    expect(stats.by_callback.map((row) => [row.callback_id, row.held, row.attempts])).toEqual([
      ['a', 0, 2],
      ['b', 1, 1],
    ]);
  });
});
