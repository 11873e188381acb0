import { describe, expect, it } from '@jest/globals';
import { EventRecord, eventMsgId, eventTypes } from '@hookmesh/contracts';
import { acceptedBody, toEventRecords } from './event-records';

const stamps = (() => {
  let n = 0;
  return { now: () => new Date('2025-01-02T03:04:05.678Z'), newMessageId: () => `id-${++n}` };
})();

describe('toEventRecords', () => {
  it('wraps each event in an EventRecord of the account, in order, with one ingest time', () => {
    const records = toEventRecords(
      'acme',
      [
        { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data, idempotency_key: 'order-1' },
        { message_type: 'snapshotReady', data: eventTypes.snapshotReady.example.data },
      ],
      stamps,
    );
    expect(records).toEqual([
      {
        message_id: 'id-1',
        account: 'acme',
        message_type: 'orderEvent',
        api_version: '1.0',
        data: eventTypes.orderEvent.example.data,
        idempotency_key: 'order-1',
        ingested_at: '2025-01-02T03:04:05.678Z',
      },
      {
        message_id: 'id-2',
        account: 'acme',
        message_type: 'snapshotReady',
        api_version: '1.0',
        data: eventTypes.snapshotReady.example.data,
        ingested_at: '2025-01-02T03:04:05.678Z',
      },
    ]);
    for (const record of records) expect(EventRecord.safeParse(record).success).toBe(true);
    // Without a key the record has no idempotency_key member at all, so its Nats-Msg-Id is its message id.
    expect('idempotency_key' in records[1]!).toBe(false);
    expect(records.map(eventMsgId)).toEqual(['idem:acme:order-1', 'id-2']);
  });
});

describe('acceptedBody', () => {
  it('answers a single event with its message_id', () => {
    expect(acceptedBody('single', ['m-1'])).toEqual({ message_id: 'm-1' });
  });

  it('answers a batch with its message_ids in request order', () => {
    expect(acceptedBody('batch', ['m-1', 'm-2'])).toEqual({ events: [{ message_id: 'm-1' }, { message_id: 'm-2' }] });
  });

  it('refuses a single answer without exactly one id, which would be a wiring bug', () => {
    expect(() => acceptedBody('single', [])).toThrow(/exactly one id/);
    expect(() => acceptedBody('single', ['a', 'b'])).toThrow(/exactly one id/);
  });
});
