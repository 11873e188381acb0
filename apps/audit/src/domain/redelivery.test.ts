import { describe, expect, it } from '@jest/globals';
import type { DeliveryTask, RedeliveryRequestedRecord } from '@hookmesh/contracts';
import { CallbackDisabled, DeliveryNotFound, EventNotStored, RedeliveryNotStored, recoverCallback, redeliver, type RedeliveryPorts, type StoredDelivery, type StoredEvent } from './redelivery';

const NOW = new Date('2026-12-03T10:00:00.000Z');

function delivery(id: string, overrides: Partial<StoredDelivery> = {}): StoredDelivery {
  return { id, account: 'acme', message_id: `m-${id}`, callback_id: 'cb-1', message_type: 'orderEvent', series: 0, ...overrides };
}

function event(messageId: string): StoredEvent {
  return { message_id: messageId, account: 'acme', message_type: 'orderEvent', api_version: '1.0', data: [{ order_id: 'o-1' }], ingested_at: new Date('2026-12-01T00:00:00.000Z') };
}

/** Ports over plain maps: a transaction's records count only once it commits, as in Postgres. */
function portsOver(state: { deliveries: StoredDelivery[]; events: StoredEvent[]; disabled?: string[]; failPublish?: boolean }) {
  const committed: RedeliveryRequestedRecord[] = [];
  const published: Array<{ task: DeliveryTask; record: RedeliveryRequestedRecord }> = [];
  const skipped: string[] = [];
  const ports: RedeliveryPorts = {
    async transaction(work) {
      const pending: RedeliveryRequestedRecord[] = [];
      const result = await work({
        lockDelivery: async (account, id) => state.deliveries.find((row) => row.account === account && row.id === id),
        findEvent: async (account, messageId) => state.events.find((row) => row.account === account && row.message_id === messageId),
        recordRequest: async (record) => {
          pending.push(record);
        },
      });
      committed.push(...pending);
      return result;
    },
    async publish(task, record) {
      if (state.failPublish) throw new Error('no JetStream');
      published.push({ task, record });
    },
    callbackStatus: (_account, callbackId) => ((state.disabled ?? []).includes(callbackId) ? 'disabled' : 'active'),
    failedDeliveryIds: async ({ afterId, limit }) => state.deliveries.map((row) => row.id).sort().filter((id) => afterId === null || id > afterId).slice(0, limit),
    now: () => NOW,
    onRedelivered: () => undefined,
    onSkipped: ({ deliveryId }) => skipped.push(deliveryId),
  };
  return { ports, committed, published, skipped };
}

describe('redeliver', () => {
  it('records the next series, publishes attempt 1 of it with the event as stored, and answers the series', async () => {
    const { ports, committed, published } = portsOver({ deliveries: [delivery('d-1', { series: 2 })], events: [event('m-d-1')] });
    expect(await redeliver(ports, { account: 'acme', deliveryId: 'd-1', requestedBy: 'ops' })).toEqual({ delivery_id: 'd-1', series: 3 });
    expect(committed).toEqual([expect.objectContaining({ kind: 'redelivery_requested', delivery_id: 'd-1', series: 3, requested_by: 'ops', requested_at: NOW.toISOString() })]);
    expect(published).toHaveLength(1);
    expect(published[0]!.task).toMatchObject({ callback_id: 'cb-1', series: 3, attempt: 1, event: { message_id: 'm-d-1', api_version: '1.0', data: [{ order_id: 'o-1' }] } });
  });

  it('refuses an unknown delivery, a disabled callback and a pruned event, recording and publishing nothing', async () => {
    const { ports, committed, published } = portsOver({ deliveries: [delivery('d-1'), delivery('d-2', { callback_id: 'cb-off' })], events: [], disabled: ['cb-off'] });
    await expect(redeliver(ports, { account: 'acme', deliveryId: 'nope', requestedBy: 'ops' })).rejects.toBeInstanceOf(DeliveryNotFound);
    await expect(redeliver(ports, { account: 'other', deliveryId: 'd-1', requestedBy: 'ops' })).rejects.toBeInstanceOf(DeliveryNotFound);
    await expect(redeliver(ports, { account: 'acme', deliveryId: 'd-2', requestedBy: 'ops' })).rejects.toBeInstanceOf(CallbackDisabled);
    await expect(redeliver(ports, { account: 'acme', deliveryId: 'd-1', requestedBy: 'ops' })).rejects.toBeInstanceOf(EventNotStored);
    expect(committed).toEqual([]);
    expect(published).toEqual([]);
  });

  it('commits nothing when JetStream does not store the task, and says so', async () => {
    const { ports, committed } = portsOver({ deliveries: [delivery('d-1')], events: [event('m-d-1')], failPublish: true });
    const failure = await redeliver(ports, { account: 'acme', deliveryId: 'd-1', requestedBy: 'ops' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RedeliveryNotStored);
    expect((failure as Error).cause).toEqual(new Error('no JetStream'));
    expect(committed).toEqual([]);
  });
});

describe('recoverCallback', () => {
  it('redelivers every failed delivery page by page, skipping those whose event is gone', async () => {
    const deliveries = Array.from({ length: 230 }, (_, index) => delivery(`d-${String(index).padStart(3, '0')}`));
    const events = deliveries.filter((_, index) => index % 50 !== 7).map((row) => event(row.message_id));
    const { ports, published, skipped } = portsOver({ deliveries, events });
    expect(await recoverCallback(ports, { account: 'acme', callbackId: 'cb-1', since: '2026-12-01T00:00:00.000Z', requestedBy: 'ops' })).toBe(225);
    expect(skipped).toEqual(['d-007', 'd-057', 'd-107', 'd-157', 'd-207']);
    expect(new Set(published.map(({ record }) => record.delivery_id)).size).toBe(225);
  });

  it('refuses a disabled callback before reading anything', async () => {
    const { ports, published } = portsOver({ deliveries: [delivery('d-1', { callback_id: 'cb-off' })], events: [event('m-d-1')], disabled: ['cb-off'] });
    await expect(recoverCallback(ports, { account: 'acme', callbackId: 'cb-off', since: '2026-12-01T00:00:00.000Z', requestedBy: 'ops' })).rejects.toBeInstanceOf(CallbackDisabled);
    expect(published).toEqual([]);
  });
});
