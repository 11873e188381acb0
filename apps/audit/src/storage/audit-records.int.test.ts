import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newMessageId, type DeliveryAuditRecord } from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTestDatabase, type TestDatabase } from '@hookmesh/testing';
import fc from 'fast-check';
import { attemptRecord, createdRecord, deliveryRef } from '../test-support';
import { writeAuditRecords } from './audit-records';
import { AUDIT_SCHEMA, type AuditDatabase, type AuditDb } from './database';
import { auditMigrations } from './migrations';

describe('writeAuditRecords in Postgres', () => {
  let testDb: TestDatabase;
  let db: AuditDb;

  beforeAll(async () => {
    testDb = await createTestDatabase('auditrecords');
    db = createDatabase<AuditDatabase>({ connectionString: testDb.url, schema: AUDIT_SCHEMA });
    await migrateToLatest(db, AUDIT_SCHEMA, auditMigrations);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  function historyOf(messageId: string): DeliveryAuditRecord[] {
    const ref = deliveryRef('masonhub', messageId, 'cb-order', 'orderEvent');
    return [
      createdRecord(ref, '2026-01-01T00:00:00.000Z'),
      attemptRecord(ref, { attempt: 1, startedAt: '2026-01-01T00:00:01.000Z', latencyMs: 30, statusCode: 503 }),
      { kind: 'delivery_held', delivery_id: ref.deliveryId, message_id: messageId, account: 'masonhub', callback_id: 'cb-order', message_type: 'orderEvent', series: 0, attempt: 2, reason: 'circuit_open', held_at: '2026-01-01T00:00:05.000Z', next_attempt_at: '2026-01-01T00:01:05.000Z' },
      attemptRecord(ref, { attempt: 2, startedAt: '2026-01-01T00:01:05.000Z', latencyMs: 30, statusCode: 500, outcome: 'failed' }),
      { kind: 'redelivery_requested', delivery_id: ref.deliveryId, message_id: messageId, account: 'masonhub', callback_id: 'cb-order', message_type: 'orderEvent', series: 1, requested_by: 'ops', requested_at: '2026-01-02T00:00:00.000Z' },
      attemptRecord(ref, { series: 1, attempt: 1, startedAt: '2026-01-02T00:00:01.000Z', latencyMs: 12, statusCode: 503 }),
    ];
  }

  const stored = async (id: string) =>
    db
      .selectFrom('deliveries')
      .select(['status', 'series', 'attempts_count', 'last_status_code', 'last_error', 'created_at', 'updated_at', 'next_attempt_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('ends in the same row for any arrival order, batching and repetition (SQL merge = domain merge)', async () => {
    const reference = historyOf(newMessageId());
    const referenceId = reference[0]?.delivery_id ?? '';
    await db.transaction().execute((trx) => writeAuditRecords(trx, reference, { excerptMax: 100 }));
    const want = await stored(referenceId);
    expect(want).toMatchObject({ status: 'retrying', series: 1, attempts_count: 3, last_status_code: 503 });

    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { minLength: 0, maxLength: 6 }), fc.nat({ max: 3 }), fc.integer(), async (repeats, batchSize, seed) => {
        const records = historyOf(newMessageId());
        const arrival = [...records, ...repeats.map((i) => records[i] as DeliveryAuditRecord)];
        const shuffled = fc.sample(fc.shuffledSubarray(arrival, { minLength: arrival.length }), { seed, numRuns: 1 })[0] ?? arrival;
        const size = batchSize + 1;
        for (let start = 0; start < shuffled.length; start += size) {
          await db.transaction().execute((trx) => writeAuditRecords(trx, shuffled.slice(start, start + size), { excerptMax: 100 }));
        }
        expect(await stored(records[0]?.delivery_id ?? '')).toEqual(want);
      }),
      { numRuns: 25 },
    );
  });
});
