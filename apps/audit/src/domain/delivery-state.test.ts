import { describe, expect, it } from '@jest/globals';
import type { AttemptRecord, DeliveryAuditRecord, DeliveryCreatedRecord, DeliveryHeldRecord, RedeliveryRequestedRecord } from '@hookmesh/contracts';
import fc from 'fast-check';
import { compareMarks, deliveryPatchOf, foldDeliveryPatches, mergeDeliveryPatches, type DeliveryPatch } from './delivery-state';

const identity = {
  delivery_id: '1f0e6a52-4b1e-5c3d-9e8f-0a1b2c3d4e5f',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  account: 'masonhub',
  callback_id: 'cb-1',
  message_type: 'orderEvent' as const,
};
const t = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const created = (series = 0): DeliveryCreatedRecord => ({ kind: 'delivery_created', ...identity, series, created_at: t(0) });
const attempt = (series: number, n: number, outcome: AttemptRecord['outcome'], second: number, status: number | null = 503): AttemptRecord => ({
  kind: 'attempt',
  ...identity,
  series,
  attempt: n,
  url: 'https://client.com/api/orderEvent',
  started_at: t(second),
  latency_ms: 120,
  status_code: status,
  outcome,
  error_class: outcome === 'delivered' ? null : 'http_status',
  error_message: outcome === 'delivered' ? null : `HTTP ${status}`,
  response_excerpt: null,
  next_attempt_at: outcome === 'retrying' ? t(second + 5) : null,
  trace_id: null,
});
const held = (series: number, n: number, second: number): DeliveryHeldRecord => ({
  kind: 'delivery_held',
  ...identity,
  series,
  attempt: n,
  reason: 'hold',
  held_at: t(second),
  next_attempt_at: t(second + 60),
});
const redelivery = (series: number, second: number): RedeliveryRequestedRecord => ({
  kind: 'redelivery_requested',
  ...identity,
  series,
  requested_by: 'ops@masonhub',
  requested_at: t(second),
});

function fold(records: DeliveryAuditRecord[]): DeliveryPatch {
  const patch = foldDeliveryPatches(records).get(identity.delivery_id);
  if (patch === undefined) throw new Error('no patch');
  return patch;
}

describe('delivery state', () => {
  it('is pending once created and retrying after a failed first attempt', () => {
    expect(fold([created()]).state.status).toBe('pending');
    const state = fold([created(), attempt(0, 1, 'retrying', 1)]);
    expect(state.state.status).toBe('retrying');
    expect(state.state.nextAttemptAt).toBe(Date.parse(t(6)));
    expect(state.lastAttempt).toEqual({ series: 0, attempt: 1, statusCode: 503, error: 'HTTP 503' });
  });

  it('takes the status of the highest attempt even when an older attempt arrives last', () => {
    const state = fold([created(), attempt(0, 2, 'delivered', 10, 200), attempt(0, 1, 'retrying', 1)]);
    expect(state.state.status).toBe('delivered');
    expect(state.state.nextAttemptAt).toBeNull();
    expect(state.lastAttempt?.statusCode).toBe(200);
  });

  it('lets an attempt replace the hold of the same attempt number, but not the reverse', () => {
    expect(fold([held(0, 1, 1), attempt(0, 1, 'delivered', 2, 200)]).state.status).toBe('delivered');
    expect(fold([attempt(0, 1, 'delivered', 2, 200), held(0, 1, 1)]).state.status).toBe('delivered');
    expect(fold([attempt(0, 1, 'retrying', 1), held(0, 2, 6)]).state.status).toBe('held');
  });

  it('goes back to pending for a redelivery series and ignores late records of the old series', () => {
    const state = fold([created(), attempt(0, 8, 'failed', 100), redelivery(1, 200), attempt(0, 7, 'retrying', 90)]);
    expect(state.state.status).toBe('pending');
    expect(state.series).toBe(1);
    // last_status_code still tells what the last real attempt answered.
    expect(state.lastAttempt).toMatchObject({ series: 0, attempt: 8 });
  });

  it('keeps the earliest time as created_at and the latest as updated_at, whatever arrives first', () => {
    const state = fold([attempt(0, 1, 'retrying', 30), created()]);
    expect(state.createdAt).toBe(Date.parse(t(0)));
    expect(state.updatedAt).toBe(Date.parse(t(30)) + 120);
  });

  it('orders marks by series, then attempt, then rank, then time', () => {
    const base = { series: 1, attempt: 1, rank: 3, at: 5 };
    expect(compareMarks({ ...base, series: 2, attempt: 0 }, base)).toBeGreaterThan(0);
    expect(compareMarks({ ...base, attempt: 2, rank: 0 }, base)).toBeGreaterThan(0);
    expect(compareMarks({ ...base, rank: 2, at: 99 }, base)).toBeLessThan(0);
    expect(compareMarks(base, base)).toBe(0);
  });

  it('converges to the same state for any arrival order and any repetition of the records', () => {
    const records: DeliveryAuditRecord[] = [
      created(),
      attempt(0, 1, 'retrying', 1),
      held(0, 2, 5),
      held(0, 2, 65),
      attempt(0, 2, 'retrying', 125),
      attempt(0, 3, 'failed', 300),
      redelivery(1, 400),
      attempt(1, 1, 'retrying', 401),
      attempt(1, 2, 'delivered', 410, 200),
    ];
    const expected = fold(records);
    expect(expected.state.status).toBe('delivered');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: records.length - 1 }), { minLength: records.length, maxLength: 30 }), fc.integer(), (picks, seed) => {
        // Every record at least once, some repeated, in a shuffled order.
        const arrival = [...records, ...picks.map((index) => records[index] as DeliveryAuditRecord)];
        const shuffled = fc.sample(fc.shuffledSubarray(arrival, { minLength: arrival.length }), { seed, numRuns: 1 })[0] ?? arrival;
        expect(fold(shuffled)).toEqual(expected);
      }),
    );
  });

  it('merges patches commutatively', () => {
    const a = deliveryPatchOf(attempt(0, 2, 'retrying', 10));
    const b = deliveryPatchOf(held(0, 3, 20));
    expect(mergeDeliveryPatches(a, b)).toEqual(mergeDeliveryPatches(b, a));
  });
});
