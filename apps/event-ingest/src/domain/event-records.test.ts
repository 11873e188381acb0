import { describe, expect, it } from '@jest/globals';
import { EventRecord, eventMsgId, eventTypes } from '@hookmesh/contracts';
import { acceptedBody, duplicateIngestRecords, sameEvent, toEventRecords, wholeRequestReplayed, type PublishedEvent } from './event-records';

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

const stored = (message_id: string): PublishedEvent => ({ outcome: 'stored', message_id });
const replayed = (message_id: string): PublishedEvent => ({ outcome: 'replayed', message_id });

describe('acceptedBody', () => {
  it('answers a single event with its message_id, replayed or not (the header tells a replay)', () => {
    expect(acceptedBody('single', [stored('m-1')])).toEqual({ message_id: 'm-1' });
    expect(acceptedBody('single', [replayed('m-0')])).toEqual({ message_id: 'm-0' });
  });

  it('answers a batch with its message_ids in request order, marking replayed entries', () => {
    expect(acceptedBody('batch', [stored('m-1'), replayed('m-0')])).toEqual({ events: [{ message_id: 'm-1' }, { message_id: 'm-0', replayed: true }] });
  });

  it('refuses a single answer without exactly one id, which would be a wiring bug', () => {
    expect(() => acceptedBody('single', [])).toThrow(/exactly one id/);
    expect(() => acceptedBody('single', [stored('a'), stored('b')])).toThrow(/exactly one id/);
  });
});

describe('sameEvent', () => {
  const data = [{ order_id: 'o-1', lines: [{ sku: 'a', qty: 1 }] }];
  it('compares type and data as JSON: member order and undefined members do not count', () => {
    expect(sameEvent({ message_type: 'orderEvent', data }, { message_type: 'orderEvent', data: [{ lines: [{ qty: 1, sku: 'a' }], order_id: 'o-1', note: undefined }] })).toBe(true);
  });
  it('tells another value, another shape or another type', () => {
    expect(sameEvent({ message_type: 'orderEvent', data }, { message_type: 'orderEvent', data: [{ order_id: 'o-2', lines: [{ sku: 'a', qty: 1 }] }] })).toBe(false);
    expect(sameEvent({ message_type: 'orderEvent', data }, { message_type: 'orderEvent', data: [...data, ...data] })).toBe(false);
    expect(sameEvent({ message_type: 'orderEvent', data }, { message_type: 'rmaEvent', data })).toBe(false);
  });
});

describe('duplicate ingest records and replays', () => {
  const records = toEventRecords(
    'acme',
    [
      { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data, idempotency_key: 'k-1' },
      { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data, idempotency_key: 'k-2' },
    ],
    { now: () => new Date('2025-01-02T03:04:05.678Z'), newMessageId: () => `repeat-${Math.random()}` },
  );
  it('reports each replayed event with the first id and its own repeat id', () => {
    const at = new Date('2025-01-02T03:04:06.000Z');
    expect(duplicateIngestRecords(records, [replayed('first-1'), stored(records[1]!.message_id)], at)).toEqual([
      { kind: 'duplicate_ingest', account: 'acme', message_id: 'first-1', message_type: 'orderEvent', idempotency_key: 'k-1', repeat_id: records[0]!.message_id, repeated_at: at.toISOString() },
    ]);
  });
  it('calls a request replayed only when every event of it was', () => {
    expect(wholeRequestReplayed([replayed('a'), replayed('b')])).toBe(true);
    expect(wholeRequestReplayed([replayed('a'), stored('b')])).toBe(false);
    expect(wholeRequestReplayed([])).toBe(false);
  });
});
