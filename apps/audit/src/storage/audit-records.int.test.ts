import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newMessageId, type DeliveryAuditRecord } from '@hookmesh/contracts';
import { createDatabase, migrateToLatest } from '@hookmesh/db';
import { createTestDatabase, type TestDatabase } from '@hookmesh/testing';
import fc from 'fast-check';
import { attemptRecord, createdRecord, deliveryRef } from '../test-support';
import { writeAuditRecords } from './audit-records';
import { writeEvents } from './event-log';
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

  it('stores every text as it came, through the batch arrays: quotes, backslashes, braces, commas, NULL spelled out, empty, any Unicode', async () => {
    // Postgres has no NUL in text: the pipeline refuses it at ingest, so it cannot reach here.
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((value) => !value.includes('\u0000'));
    const tricky = fc.oneof(text, fc.constantFrom('', 'NULL', 'null', '"', '\\', '{a,b}', '{"x": "y\\"}', ' ', ',', '\u{1F600}'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(tricky), { minLength: 1, maxLength: 8 }), async (excerpts) => {
        const records = excerpts.map((excerpt, index) => {
          const ref = deliveryRef('masonhub', newMessageId(), `cb-${index}`, 'orderEvent');
          return attemptRecord(ref, { attempt: 1, startedAt: '2026-01-01T00:00:01.000Z', latencyMs: 1.5, statusCode: 200, excerpt });
        });
        await db.transaction().execute((trx) => writeAuditRecords(trx, records, { excerptMax: 1_000 }));
        const rows = await db
          .selectFrom('attempts')
          .select(['delivery_id', 'response_excerpt', 'latency_ms'])
          .where('delivery_id', 'in', records.map((record) => record.delivery_id))
          .execute();
        const byId = new Map(rows.map((row) => [row.delivery_id, row]));
        // An absent excerpt is the helper's default; what matters is that each row holds exactly what its record did.
        expect(records.map((record) => byId.get(record.delivery_id)?.response_excerpt)).toEqual(records.map((record) => record.response_excerpt));
        expect(rows.every((row) => row.latency_ms === 1.5)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('stores an event batch with its data exactly, whatever its strings hold', async () => {
    const data = { note: 'quote " backslash \\ braces {a,b} NULL', list: ['', 'NULL', null, '\u{1F600}'], nested: { n: 1.25, ok: true } };
    // The last one's data is JSON null, which stays the JSON value null (the column is not nullable).
    const received = [{ ...data, suffix: 'a' }, [data, 'b'], null].map((value, index) => ({
      record: { message_id: newMessageId(), account: 'masonhub', message_type: 'orderEvent' as const, api_version: '1.0' as const, data: value, ingested_at: '2026-01-01T00:00:00.000Z' },
      streamSeq: 100 + index,
      publishedAt: '2026-01-01T00:00:00.001Z',
    }));
    expect(await db.transaction().execute((trx) => writeEvents(trx, received))).toEqual({ inserted: 3, alreadyStored: 0 });
    expect(await db.transaction().execute((trx) => writeEvents(trx, received))).toEqual({ inserted: 0, alreadyStored: 3 });
    const rows = await db.selectFrom('events').select(['message_id', 'data']).where('message_id', 'in', received.map((item) => item.record.message_id)).orderBy('message_id').execute();
    expect(rows.map((row) => row.data)).toEqual(received.sort((a, b) => (a.record.message_id < b.record.message_id ? -1 : 1)).map((item) => item.record.data));
    const receipts = await db.selectFrom('event_receipts').select(['stream_seq']).where('message_id', 'in', received.map((item) => item.record.message_id)).orderBy('stream_seq').execute();
    expect(receipts.map((row) => Number(row.stream_seq))).toEqual([100, 101, 102]);
  });
});
