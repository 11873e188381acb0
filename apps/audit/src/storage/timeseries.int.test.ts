import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StatsResponse, TimeseriesResponse, newMessageId, type AuditRecord } from '@hookmesh/contracts';
import { waitFor } from '@hookmesh/testing';
import { sql } from 'kysely';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, startAuditHarness, type AuditHarness, type DeliveryRef } from '../test-support';

const A = 'masonhub';
const at = (hour: number, minute = 0, second = 0): string => new Date(Date.UTC(2026, 5, 1, hour, minute, second)).toISOString();

describe('GET /stats/timeseries over records published through JetStream into Postgres', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startAuditHarness('timeseries');
    h.startConsumers();
    const id = { e1: newMessageId(), e2: newMessageId(), e3: newMessageId(), s1: newMessageId() };
    for (const event of [
      eventRecord(A, id.e1, 'orderEvent', at(10, 5)),
      eventRecord(A, id.e2, 'orderEvent', at(10, 40)),
      eventRecord(A, id.e3, 'orderEvent', at(12, 1)),
      eventRecord(A, id.s1, 'skuInventoryChange', at(12, 2)),
    ]) {
      await h.publishEvent(event);
    }
    const d = (message: string, callback: string, type: 'orderEvent' | 'skuInventoryChange' = 'orderEvent'): DeliveryRef => deliveryRef(A, message, callback, type);
    const delivered = d(id.e1, 'cb-a');
    const retriedThenDelivered = d(id.e2, 'cb-a');
    const failed = d(id.e2, 'cb-b');
    const held = d(id.e3, 'cb-b');
    const sku = d(id.s1, 'cb-c', 'skuInventoryChange');
    const waitingOnCircuit = d(id.e3, 'cb-a');
    const records: AuditRecord[] = [
      createdRecord(delivered, at(10, 5, 1)),
      attemptRecord(delivered, { attempt: 1, startedAt: at(10, 5, 2), latencyMs: 100, statusCode: 200 }),
      createdRecord(retriedThenDelivered, at(10, 40, 1)),
      attemptRecord(retriedThenDelivered, { attempt: 1, startedAt: at(10, 40, 2), latencyMs: 300, statusCode: 503 }),
      // The retry lands in the next hour: attempts count where they started, the delivery where it was created.
      attemptRecord(retriedThenDelivered, { attempt: 2, startedAt: at(11, 10), latencyMs: 500, statusCode: 200 }),
      createdRecord(failed, at(10, 40, 1)),
      attemptRecord(failed, { attempt: 1, startedAt: at(10, 40, 3), latencyMs: 200, statusCode: 500, outcome: 'failed' }),
      createdRecord(held, at(12, 1, 1)),
      { kind: 'delivery_held', delivery_id: held.deliveryId, message_id: held.messageId, account: A, callback_id: held.callbackId, message_type: held.messageType, series: 0, attempt: 1, reason: 'hold', held_at: at(12, 1, 2), next_attempt_at: null },
      createdRecord(waitingOnCircuit, at(12, 1, 1)),
      { kind: 'delivery_held', delivery_id: waitingOnCircuit.deliveryId, message_id: waitingOnCircuit.messageId, account: A, callback_id: waitingOnCircuit.callbackId, message_type: waitingOnCircuit.messageType, series: 0, attempt: 1, reason: 'circuit_open', held_at: at(12, 1, 2), next_attempt_at: at(12, 2) },
      createdRecord(sku, at(12, 2, 1)),
      attemptRecord(sku, { attempt: 1, startedAt: at(12, 2, 2), latencyMs: 40, statusCode: 204 }),
    ];
    for (const record of records) await h.publishRecord(record);
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`select (select count(*) from attempts) + (select count(*) from deliveries) + (select count(*) from delivery_holds) as n`.execute(h.directDb);
        return Number(rows[0]?.n) === 5 + 6 + 2;
      },
      { label: 'scenario stored' },
    );
  });
  afterAll(async () => {
    await h.close();
  });

  async function series(query: string, account = A): Promise<TimeseriesResponse> {
    const res = await h.call(`/${account}/api/v1/stats/timeseries?${query}`);
    expect(res.status).toBe(200);
    return TimeseriesResponse.parse(await res.json());
  }

  it('answers one bucket per hour of the window: deliveries by status where created, attempts and percentiles where started', async () => {
    const answer = await series('since=2026-06-01T09:30:00Z&until=2026-06-01T13:00:00Z&bucket=hour');
    expect(answer).toEqual({
      since: '2026-06-01T09:00:00.000Z',
      until: '2026-06-01T13:00:00.000Z',
      bucket: 'hour',
      buckets: [
        { start: '2026-06-01T09:00:00.000Z', delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, attempts: 0, p50_ms: null, p95_ms: null },
        // latencies 100, 300, 200: p50 200, p95 200 + 0.9 × 100 = 290 (percentile_cont interpolates).
        { start: '2026-06-01T10:00:00.000Z', delivered: 2, failed: 1, retrying: 0, held: 0, circuit_open: 0, attempts: 3, p50_ms: 200, p95_ms: 290 },
        { start: '2026-06-01T11:00:00.000Z', delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, attempts: 1, p50_ms: 500, p95_ms: 500 },
        { start: '2026-06-01T12:00:00.000Z', delivered: 1, failed: 0, retrying: 0, held: 1, circuit_open: 1, attempts: 1, p50_ms: 40, p95_ms: 40 },
      ],
    });
  });

  it('narrows to one callback or one message type', async () => {
    const byCallback = await series('since=2026-06-01T10:00:00Z&until=2026-06-01T13:00:00Z&bucket=hour&callback_id=cb-b');
    expect(byCallback.buckets.map(({ delivered, failed, held, attempts }) => ({ delivered, failed, held, attempts }))).toEqual([
      { delivered: 0, failed: 1, held: 0, attempts: 1 },
      { delivered: 0, failed: 0, held: 0, attempts: 0 },
      { delivered: 0, failed: 0, held: 1, attempts: 0 },
    ]);
    const byType = await series('since=2026-06-01T10:00:00Z&until=2026-06-01T13:00:00Z&bucket=hour&message_type=skuInventoryChange');
    expect(byType.buckets.map((bucket) => bucket.delivered)).toEqual([0, 0, 1]);
    expect(byType.buckets[2]?.p95_ms).toBe(40);
  });

  it('splits into minutes, aligned to the minute', async () => {
    const answer = await series('since=2026-06-01T10:39:30Z&until=2026-06-01T10:42:00Z&bucket=minute');
    expect(answer.since).toBe('2026-06-01T10:39:00.000Z');
    expect(answer.buckets.map((bucket) => [bucket.start.slice(11, 16), bucket.delivered + bucket.failed, bucket.attempts])).toEqual([
      ['10:39', 0, 0],
      ['10:40', 2, 2],
      ['10:41', 0, 0],
    ]);
  });

  it('adds up to what GET /stats reports for the same window', async () => {
    const window = 'since=2026-06-01T00:00:00Z&until=2026-06-02T00:00:00Z';
    const answer = await series(`${window}&bucket=hour`);
    const stats = StatsResponse.parse(await (await h.call(`/${A}/api/v1/stats?${window}`)).json());
    const sum = (pick: (b: TimeseriesResponse['buckets'][number]) => number) => answer.buckets.reduce((total, bucket) => total + pick(bucket), 0);
    const total = (pick: (s: StatsResponse['by_message_type'][number]) => number) => stats.by_message_type.reduce((t, row) => t + pick(row), 0);
    expect(answer.buckets).toHaveLength(24);
    expect({ delivered: sum((b) => b.delivered), failed: sum((b) => b.failed), held: sum((b) => b.held), circuit_open: sum((b) => b.circuit_open), attempts: sum((b) => b.attempts) }).toEqual({
      delivered: total((s) => s.delivered),
      failed: total((s) => s.failed),
      held: total((s) => s.held),
      circuit_open: total((s) => s.circuit_open),
      attempts: total((s) => s.attempts),
    });
  });

  it('shows another account nothing', async () => {
    const answer = await series('since=2026-06-01T10:00:00Z&until=2026-06-01T13:00:00Z&bucket=hour', 'moduslink');
    expect(answer.buckets.every((bucket) => bucket.delivered + bucket.failed + bucket.held + bucket.attempts === 0)).toBe(true);
  });

  it('refuses an unbounded window with a problem naming the bucket, and an unknown bucket size', async () => {
    const res = await h.call(`/${A}/api/v1/stats/timeseries?since=2026-01-01T00:00:00Z&until=2026-06-01T00:00:00Z&bucket=minute`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors[0]).toMatchObject({ path: 'bucket', message: expect.stringContaining('at most 1500') });
    const unknown = await h.call(`/${A}/api/v1/stats/timeseries?bucket=week`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe('bucket');
  });

  it('needs the deliveries:read scope', async () => {
    const token = await h.token(A, { scopes: ['callbacks:read'] });
    const res = await h.call(`/${A}/api/v1/stats/timeseries`, { token });
    expect(res.status).toBe(403);
  });
});
