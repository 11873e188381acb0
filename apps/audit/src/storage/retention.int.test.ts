import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newMessageId, type AuditRecord } from '@hookmesh/contracts';
import { createLogger } from '@hookmesh/logging';
import { waitFor } from '@hookmesh/testing';
import { sql } from 'kysely';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, startAuditHarness, type AuditHarness } from '../test-support';
import { writeAuditRecords } from './audit-records';
import { writeEvents, type ReceivedEvent } from './event-log';
import { startPruner } from './retention';

const A = 'masonhub';
const NOW = new Date('2026-07-01T00:00:00.000Z');
const RETENTION_MS = 30 * 86_400_000; // cutoff 2026-06-01T00:00:00.000Z

async function tableCounts(h: AuditHarness): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from events)::int as events, (select count(*) from event_receipts)::int as event_receipts,
           (select count(*) from deliveries)::int as deliveries, (select count(*) from attempts)::int as attempts,
           (select count(*) from delivery_holds)::int as delivery_holds, (select count(*) from redelivery_requests)::int as redelivery_requests`.execute(h.directDb);
  return rows[0] ?? {};
}

describe('retention', () => {
  let h: AuditHarness;
  const kept = { recent: '', boundary: '', revived: '' };

  beforeAll(async () => {
    h = await startAuditHarness('retention');
    const events: ReceivedEvent[] = [];
    const records: AuditRecord[] = [];
    const add = (time: string, options: { hold?: boolean } = {}): string => {
      const messageId = newMessageId();
      const ref = deliveryRef(A, messageId, 'cb-r', 'orderEvent');
      events.push({ record: eventRecord(A, messageId, 'orderEvent', time), streamSeq: events.length + 1, publishedAt: time });
      records.push(createdRecord(ref, time), attemptRecord(ref, { attempt: 1, startedAt: time, latencyMs: 0, statusCode: 503 }));
      if (options.hold) {
        records.push({ kind: 'delivery_held', delivery_id: ref.deliveryId, message_id: messageId, account: A, callback_id: 'cb-r', message_type: 'orderEvent', series: 0, attempt: 2, reason: 'circuit_open', held_at: time, next_attempt_at: null });
      }
      return ref.deliveryId;
    };
    // 25 old deliveries: each an event, a receipt, a delivery and an attempt; 5 of them with a hold too.
    for (let i = 0; i < 25; i += 1) add(new Date(Date.UTC(2026, 4, 1 + i)).toISOString(), { hold: i % 5 === 0 });
    add('2026-05-31T23:59:59.999Z'); // one millisecond older than the window: goes
    kept.boundary = add('2026-06-01T00:00:00.000Z'); // exactly at the cutoff: not older, stays
    kept.recent = add('2026-06-20T00:00:00.000Z');
    // Created long ago but redelivered recently: the delivery and its new records stay, its old attempt goes.
    kept.revived = add('2026-04-01T00:00:00.000Z');
    const revived = deliveryRef(A, events[events.length - 1]?.record.message_id ?? '', 'cb-r', 'orderEvent');
    records.push(
      { kind: 'redelivery_requested', delivery_id: revived.deliveryId, message_id: revived.messageId, account: A, callback_id: 'cb-r', message_type: 'orderEvent', series: 1, requested_by: 'ops', requested_at: '2026-06-25T00:00:00.000Z' },
      attemptRecord(revived, { series: 1, attempt: 1, startedAt: '2026-06-25T00:00:01.000Z', latencyMs: 10, statusCode: 200 }),
    );
    await h.directDb.transaction().execute(async (trx) => {
      await writeEvents(trx, events);
      await writeAuditRecords(trx, records, { excerptMax: 2048 });
    });
    expect(await tableCounts(h)).toEqual({ events: 29, event_receipts: 29, deliveries: 29, attempts: 30, delivery_holds: 5, redelivery_requests: 1 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('deletes exactly the rows older than the window, in small batches, on its own schedule', async () => {
    const pruner = startPruner({
      db: h.db,
      log: createLogger({ service: 'audit-test', level: 'silent' }),
      metrics: h.metrics,
      retentionMs: RETENTION_MS,
      intervalMs: 3_600_000,
      now: () => NOW,
      batchSize: 10,
    });
    try {
      await waitFor(async () => (await tableCounts(h)).attempts === 3, { label: 'first retention pass' });
      await pruner.runOnce();
    } finally {
      await pruner.stop();
    }
    // Left: the boundary, recent and revived deliveries (3), the events/receipts of boundary and recent (2;
    // the revived event was ingested in April), and the attempts of boundary, recent and revived series 1.
    expect(await tableCounts(h)).toEqual({ events: 2, event_receipts: 2, deliveries: 3, attempts: 3, delivery_holds: 0, redelivery_requests: 1 });
    const deliveries = await h.directDb.selectFrom('deliveries').select('id').orderBy('id').execute();
    expect(deliveries.map((row) => row.id)).toEqual([kept.boundary, kept.recent, kept.revived].sort());
    const pruned = await h.registry.getSingleMetricAsString('hookmesh_audit_pruned_rows_total');
    expect(pruned).toContain('hookmesh_audit_pruned_rows_total{table="attempts"} 27');
    expect(pruned).toContain('hookmesh_audit_pruned_rows_total{table="events"} 27');
    expect(pruned).toContain('hookmesh_audit_pruned_rows_total{table="deliveries"} 26');
    expect(pruned).toContain('hookmesh_audit_pruned_rows_total{table="delivery_holds"} 5');
  });
});
