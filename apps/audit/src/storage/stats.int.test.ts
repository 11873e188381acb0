import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StatsResponse, newMessageId, type AuditRecord, type EventRecord } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { sql } from 'kysely';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, startAuditHarness, type AuditHarness, type DeliveryRef } from '../test-support';

const A = 'masonhub';
const at = (hour: number, minute = 0): string => new Date(Date.UTC(2026, 5, 1, hour, minute)).toISOString();

describe('GET /stats over a known scenario published through JetStream', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startAuditHarness('stats');
    h.startConsumers();

    const id = { e0: newMessageId(), e1: newMessageId(), e2: newMessageId(), e3: newMessageId(), e4: newMessageId(), s1: newMessageId() };
    const events: EventRecord[] = [
      eventRecord(A, id.e0, 'orderEvent', '2026-05-31T23:00:00.000Z'),
      eventRecord(A, id.e1, 'orderEvent', at(1)),
      eventRecord(A, id.e2, 'orderEvent', at(2)),
      eventRecord(A, id.e3, 'orderEvent', at(3), 'order-77'),
      eventRecord(A, id.s1, 'skuInventoryChange', at(5)),
    ];
    for (const event of events) await h.publishEvent(event);
    // The producer re-sent order-77 after the dedupe window had passed, so JetStream stored it under a new
    // message id (inside the window its Nats-Msg-Id would have been dropped): a duplicate ingest.
    const resent = eventRecord(A, id.e4, 'orderEvent', at(4), 'order-77');
    await publishJson(h.js, h.names.eventSubject(A, 'orderEvent'), resent, { msgID: 'order-77-after-the-window' });
    // A second stream copy of e1 (published again under another Nats-Msg-Id): the other kind of duplicate ingest.
    await publishJson(h.js, h.names.eventSubject(A, 'orderEvent'), events[1], { msgID: 'republished-e1' });

    const d = (message: string, callback: string, type: 'orderEvent' | 'skuInventoryChange' = 'orderEvent'): DeliveryRef => deliveryRef(A, message, callback, type);
    const d0 = d(id.e0, 'cb-a');
    const d1 = d(id.e1, 'cb-a');
    const d2 = d(id.e2, 'cb-a');
    const d3 = d(id.e3, 'cb-b');
    const d4 = d(id.e4, 'cb-b');
    const d5 = d(id.e1, 'cb-b');
    const d6 = d(id.s1, 'cb-c', 'skuInventoryChange');
    const d7 = d(id.s1, 'cb-d', 'skuInventoryChange');
    const records: AuditRecord[] = [
      createdRecord(d0, '2026-05-31T23:00:01.000Z'),
      attemptRecord(d0, { attempt: 1, startedAt: '2026-05-31T23:00:02.000Z', latencyMs: 9999, statusCode: 200 }),
      createdRecord(d1, at(1, 1)),
      attemptRecord(d1, { attempt: 1, startedAt: at(1, 2), latencyMs: 100, statusCode: 200 }),
      createdRecord(d2, at(2, 1)),
      attemptRecord(d2, { attempt: 1, startedAt: at(2, 2), latencyMs: 300, statusCode: 503 }),
      attemptRecord(d2, { attempt: 2, startedAt: at(2, 3), latencyMs: 500, statusCode: 200 }),
      createdRecord(d3, at(3, 1)),
      attemptRecord(d3, { attempt: 1, startedAt: at(3, 2), latencyMs: 200, statusCode: 503 }),
      attemptRecord(d3, { attempt: 2, startedAt: at(3, 3), latencyMs: 400, statusCode: 500, outcome: 'failed' }),
      createdRecord(d4, at(4, 1)),
      attemptRecord(d4, { attempt: 1, startedAt: at(4, 2), latencyMs: 1000, statusCode: 503 }),
      createdRecord(d5, at(1, 1)),
      { kind: 'delivery_held', ...identity(d5), series: 0, attempt: 1, reason: 'hold', held_at: at(1, 2), next_attempt_at: null },
      createdRecord(d6, at(5, 1)),
      createdRecord(d7, at(5, 1)),
      attemptRecord(d7, { attempt: 1, startedAt: at(5, 2), latencyMs: 50, statusCode: 204 }),
    ];
    for (const record of records) await h.publishRecord(record);
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`select (select count(*) from attempts) + (select count(*) from deliveries) + (select count(*) from event_receipts) as n`.execute(h.directDb);
        return rows[0]?.n === 8 + 8 + 7;
      },
      { label: 'scenario stored' },
    );
  });
  afterAll(async () => {
    await h.close();
  });

  function identity(ref: DeliveryRef) {
    return { delivery_id: ref.deliveryId, message_id: ref.messageId, account: ref.account, callback_id: ref.callbackId, message_type: ref.messageType };
  }

  it('counts statuses, attempts, latency percentiles, retry rates and duplicate ingests per type and per callback', async () => {
    const res = await h.call(`/${A}/api/v1/stats?since=2026-06-01T00:00:00Z&until=2026-06-02T00:00:00Z`);
    expect(res.status).toBe(200);
    const stats = StatsResponse.parse(await res.json());
    expect(stats).toEqual({
      since: '2026-06-01T00:00:00.000Z',
      until: '2026-06-02T00:00:00.000Z',
      duplicate_ingests: 2,
      by_message_type: [
        // latencies 100, 200, 300, 400, 500, 1000: p50 = 350, p95 = 500 + 0.75 × 500 = 875 (percentile_cont interpolates).
        { message_type: 'orderEvent', events: 4, duplicate_ingests: 2, delivered: 2, failed: 1, retrying: 1, held: 1, circuit_open: 0, pending: 0, attempts: 6, p50_latency_ms: 350, p95_latency_ms: 875, retry_rate: 0.5 },
        { message_type: 'skuInventoryChange', events: 1, duplicate_ingests: 0, delivered: 1, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 1, attempts: 1, p50_latency_ms: 50, p95_latency_ms: 50, retry_rate: 0 },
      ],
      by_callback: [
        { callback_id: 'cb-a', message_type: 'orderEvent', delivered: 2, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 0, attempts: 3, p50_latency_ms: 300, p95_latency_ms: 480, retry_rate: 0.5 },
        { callback_id: 'cb-b', message_type: 'orderEvent', delivered: 0, failed: 1, retrying: 1, held: 1, circuit_open: 0, pending: 0, attempts: 3, p50_latency_ms: 400, p95_latency_ms: 940, retry_rate: 0.5 },
        { callback_id: 'cb-c', message_type: 'skuInventoryChange', delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 1, attempts: 0, p50_latency_ms: null, p95_latency_ms: null, retry_rate: 0 },
        { callback_id: 'cb-d', message_type: 'skuInventoryChange', delivered: 1, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 0, attempts: 1, p50_latency_ms: 50, p95_latency_ms: 50, retry_rate: 0 },
      ],
    });
  });

  it('includes the delivery before the window only when the window covers it', async () => {
    const stats = StatsResponse.parse(await (await h.call(`/${A}/api/v1/stats?since=2026-05-31T00:00:00Z&until=2026-06-01T00:00:00Z`)).json());
    expect(stats.by_message_type).toEqual([expect.objectContaining({ message_type: 'orderEvent', events: 1, delivered: 1, attempts: 1, p50_latency_ms: 9999 })]);
    expect(stats.duplicate_ingests).toBe(0);
  });

  it('reports nothing for another account', async () => {
    const stats = StatsResponse.parse(await (await h.call(`/moduslink/api/v1/stats?since=2026-05-01T00:00:00Z&until=2026-07-01T00:00:00Z`)).json());
    expect(stats).toMatchObject({ by_message_type: [], by_callback: [], duplicate_ingests: 0 });
  });
});
