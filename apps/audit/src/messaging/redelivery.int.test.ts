import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryTask, Delivery, RedeliveryRequestedRecord, newMessageId, type AuditRecord } from '@hookmesh/contracts';
import { waitFor } from '@hookmesh/testing';
import {
  attemptRecord,
  createdRecord,
  deliveryRef,
  eventRecord,
  seedData,
  startAuditHarness,
  type AuditHarness,
  type DeliveryRef,
} from '../test-support';

const A = 'masonhub';
const NOW = new Date('2026-05-01T12:00:00.000Z');

interface StreamMessage<T> {
  subject: string;
  msgId: string | undefined;
  body: T;
}

async function streamMessages(h: AuditHarness, stream: string): Promise<Array<StreamMessage<unknown>>> {
  const info = await h.jsm.streams.info(stream);
  const out: Array<StreamMessage<unknown>> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const stored = await h.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (stored === null) continue;
    out.push({ subject: stored.subject, msgId: stored.header?.get('Nats-Msg-Id'), body: stored.json<unknown>() });
  }
  return out;
}

const tasksOn = async (h: AuditHarness) =>
  (await streamMessages(h, h.names.streams.deliveries)).map((m) => ({ ...m, body: DeliveryTask.parse(m.body) }));

/** A delivery that failed after three attempts of series 0, ending `failedAt`. */
function failedDelivery(ref: DeliveryRef, failedAt: string): AuditRecord[] {
  const base = Date.parse(failedAt) - 60_000;
  const at = (ms: number) => new Date(base + ms).toISOString();
  return [
    createdRecord(ref, at(0)),
    attemptRecord(ref, { attempt: 1, startedAt: at(1_000), latencyMs: 40, statusCode: 503 }),
    attemptRecord(ref, { attempt: 2, startedAt: at(6_000), latencyMs: 40, statusCode: 503 }),
    attemptRecord(ref, { attempt: 3, startedAt: failedAt, latencyMs: 40, statusCode: 500, outcome: 'failed' }),
  ];
}

describe('redeliver and recover', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startAuditHarness('redeliver', { now: () => NOW });
    h.startConsumers();
  });
  afterAll(async () => {
    await h.close();
  });

  async function auditSettled(): Promise<void> {
    await waitFor(
      async () => {
        const info = await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { label: 'audit consumer settled' },
    );
  }

  async function seedFailed(callbackId: string, failedAt: string, options: { withEvent?: boolean } = {}): Promise<DeliveryRef> {
    const ref = deliveryRef(A, newMessageId(), callbackId, 'orderEvent');
    if (options.withEvent !== false) await h.publishEvent(eventRecord(A, ref.messageId, 'orderEvent', failedAt));
    for (const record of failedDelivery(ref, failedAt)) await h.publishRecord(record);
    await waitFor(
      async () => (await h.directDb.selectFrom('deliveries').select(['status', 'attempts_count']).where('id', '=', ref.deliveryId).executeTakeFirst())?.attempts_count === 3,
      { label: `failed delivery ${ref.deliveryId}` },
    );
    if (options.withEvent !== false) {
      await waitFor(async () => (await h.directDb.selectFrom('events').select('message_id').where('message_id', '=', ref.messageId).executeTakeFirst()) !== undefined, {
        label: 'its event',
      });
    }
    return ref;
  }

  it('publishes a DeliveryTask of the next series with the stored payload and records who asked', async () => {
    const ref = await seedFailed('cb-one', '2026-04-30T10:00:00.000Z');
    const token = await h.token(A, { subject: 'ops@masonhub' });
    const res = await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, { method: 'POST', token });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ delivery_id: ref.deliveryId, series: 1 });

    const tasks = (await tasksOn(h)).filter((task) => task.body.delivery_id === ref.deliveryId);
    expect(tasks).toEqual([
      {
        subject: h.names.deliverySubject(A, 'cb-one'),
        msgId: `${ref.deliveryId}:1:1`,
        body: {
          delivery_id: ref.deliveryId,
          series: 1,
          attempt: 1,
          account: A,
          callback_id: 'cb-one',
          event: { message_id: ref.messageId, message_type: 'orderEvent', api_version: '1.0', data: seedData('orderEvent') },
          ingested_at: '2026-04-30T10:00:00.000Z',
          requested_by: 'ops@masonhub',
        },
      },
    ]);
    const audit = (await streamMessages(h, h.names.streams.audit)).filter((m) => m.subject === h.names.auditSubject(A, 'redelivery_requested'));
    expect(audit.map((m) => RedeliveryRequestedRecord.parse(m.body))).toEqual([
      expect.objectContaining({ delivery_id: ref.deliveryId, series: 1, requested_by: 'ops@masonhub', requested_at: NOW.toISOString() }),
    ]);

    const delivery = Delivery.parse(await (await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}`)).json());
    expect(delivery).toMatchObject({ status: 'pending', series: 1, attempts_count: 3, last_status_code: 500, next_attempt_at: null });

    // The consumer reads our own redelivery_requested back from AUDIT: still one row.
    await auditSettled();
    const requests = await h.directDb.selectFrom('redelivery_requests').selectAll().where('delivery_id', '=', ref.deliveryId).execute();
    expect(requests.map((r) => [r.series, r.requested_by, r.requested_at.toISOString()])).toEqual([[1, 'ops@masonhub', NOW.toISOString()]]);

    // A late record of the old series does not bring the delivery back to failed.
    await h.publishRecord(attemptRecord(ref, { attempt: 2, startedAt: '2026-04-30T09:59:06.000Z', latencyMs: 40, statusCode: 503 }), 'late-copy');
    await auditSettled();
    expect(await h.directDb.selectFrom('deliveries').select(['status', 'series']).where('id', '=', ref.deliveryId).executeTakeFirst()).toEqual({ status: 'pending', series: 1 });
    const second = await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, { method: 'POST', token });
    expect(await second.json()).toEqual({ delivery_id: ref.deliveryId, series: 2 });
    const after = Delivery.parse(await (await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}`)).json());
    expect(after).toMatchObject({ status: 'pending', series: 2, attempts_count: 3 });
    expect((await tasksOn(h)).filter((task) => task.body.delivery_id === ref.deliveryId).map((task) => task.msgId)).toEqual([
      `${ref.deliveryId}:1:1`,
      `${ref.deliveryId}:2:1`,
    ]);
  });

  it('recovers exactly the failed deliveries of one callback since the given time', async () => {
    const recent = [await seedFailed('cb-recover', '2026-04-30T12:00:00.000Z'), await seedFailed('cb-recover', '2026-04-30T13:00:00.000Z')];
    const older = await seedFailed('cb-recover', '2026-04-29T12:00:00.000Z');
    const otherCallback = await seedFailed('cb-elsewhere', '2026-04-30T12:30:00.000Z');
    const before = (await tasksOn(h)).length;

    const res = await h.call(`/${A}/api/v1/callbacks/cb-recover/recover`, { method: 'POST', body: { since: '2026-04-30T00:00:00Z' }, token: await h.token(A, { subject: 'ops@masonhub' }) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ count: 2 });

    const newTasks = (await tasksOn(h)).slice(before);
    expect(newTasks.map((task) => [task.body.delivery_id, task.body.series, task.body.attempt, task.body.requested_by]).sort()).toEqual(
      recent.map((ref) => [ref.deliveryId, 1, 1, 'ops@masonhub']).sort(),
    );
    const statusOf = async (ref: DeliveryRef) => (await h.directDb.selectFrom('deliveries').select(['status', 'series']).where('id', '=', ref.deliveryId).executeTakeFirstOrThrow());
    for (const ref of recent) expect(await statusOf(ref)).toEqual({ status: 'pending', series: 1 });
    expect(await statusOf(older)).toEqual({ status: 'failed', series: 0 });
    expect(await statusOf(otherCallback)).toEqual({ status: 'failed', series: 0 });
    const audited = await h.directDb.selectFrom('redelivery_requests').select('delivery_id').where('delivery_id', 'in', recent.map((r) => r.deliveryId)).execute();
    expect(audited).toHaveLength(2);

    // Recovering again finds nothing left to redeliver.
    const again = await h.call(`/${A}/api/v1/callbacks/cb-recover/recover`, { method: 'POST', body: { since: '2026-04-30T00:00:00Z' } });
    expect(await again.json()).toEqual({ count: 0 });
  });

  it('answers 409 and changes nothing when the event payload is not stored', async () => {
    const ref = await seedFailed('cb-no-event', '2026-04-30T15:00:00.000Z', { withEvent: false });
    const before = (await tasksOn(h)).length;
    const res = await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await tasksOn(h)).length).toBe(before);
    expect(await h.directDb.selectFrom('deliveries').select(['status', 'series']).where('id', '=', ref.deliveryId).executeTakeFirst()).toEqual({ status: 'failed', series: 0 });
    expect(await h.directDb.selectFrom('redelivery_requests').select('series').where('delivery_id', '=', ref.deliveryId).execute()).toEqual([]);
  });

  it('answers 409 to redeliver and recover on a disabled callback, changing nothing, and redelivers once it is active again', async () => {
    const ref = await seedFailed('cb-disabled', '2026-04-30T16:00:00.000Z');
    await h.putCallbackState(A, 'cb-disabled', 'disabled');
    const before = (await tasksOn(h)).length;

    const redeliver = await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, { method: 'POST' });
    expect(redeliver.status).toBe(409);
    expect(redeliver.headers.get('content-type')).toContain('application/problem+json');
    expect(((await redeliver.json()) as { detail: string }).detail).toContain('is disabled');
    const recover = await h.call(`/${A}/api/v1/callbacks/cb-disabled/recover`, { method: 'POST', body: { since: '2026-04-30T00:00:00Z' } });
    expect(recover.status).toBe(409);
    expect(((await recover.json()) as { detail: string }).detail).toContain('is disabled');
    expect((await tasksOn(h)).length).toBe(before);
    expect(await h.directDb.selectFrom('deliveries').select(['status', 'series']).where('id', '=', ref.deliveryId).executeTakeFirst()).toEqual({ status: 'failed', series: 0 });
    expect(await h.directDb.selectFrom('redelivery_requests').select('series').where('delivery_id', '=', ref.deliveryId).execute()).toEqual([]);

    await h.putCallbackState(A, 'cb-disabled', 'active');
    expect((await h.call(`/${A}/api/v1/deliveries/${ref.deliveryId}/redeliver`, { method: 'POST' })).status).toBe(202);
  });

  it('answers 400 for a recover body without a valid since, and redelivers nothing', async () => {
    const before = (await tasksOn(h)).length;
    for (const body of [{}, { since: 'last week' }, { since: '2026-04-30T00:00:00Z', extra: 1 }]) {
      const res = await h.call(`/${A}/api/v1/callbacks/cb-recover/recover`, { method: 'POST', body });
      expect(res.status).toBe(400);
    }
    expect((await tasksOn(h)).length).toBe(before);
  });
});
