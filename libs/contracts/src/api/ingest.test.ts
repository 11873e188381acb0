import { describe, expect, it } from '@jest/globals';
import { eventTypes } from '../events';
import { parseIngestRequest } from './ingest';

const event = { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data };

describe('parseIngestRequest', () => {
  it('reads an object as a single event', () => {
    const result = parseIngestRequest({ ...event, idempotency_key: 'order-42-v3' });
    expect(result.success && result.data.kind).toBe('single');
    expect(result.success && result.data.events[0].idempotency_key).toBe('order-42-v3');
  });

  it('reads an array as a batch', () => {
    const result = parseIngestRequest([event, { message_type: 'snapshotReady', data: eventTypes.snapshotReady.example.data }]);
    expect(result.success && result.data.kind).toBe('batch');
    expect(result.success && result.data.events).toHaveLength(2);
  });

  it('checks the shape only: data is checked against its type by event-ingest, which holds the catalog', () => {
    const result = parseIngestRequest([event, { message_type: 'Orders.Created', data: { anything: true } }]);
    expect(result.success).toBe(true);
  });

  it('points at the bad item and field of a batch', () => {
    const result = parseIngestRequest([event, { message_type: 'orders created', data: {} }, { message_type: 'orderEvent' }]);
    expect(!result.success && result.error.issues.map((issue) => issue.path)).toEqual([[1, 'message_type'], [2, 'data']]);
  });

  it('rejects more than 500 events and an empty batch', () => {
    expect(parseIngestRequest(Array.from({ length: 501 }, () => event)).success).toBe(false);
    expect(parseIngestRequest([]).success).toBe(false);
  });

  it('rejects an idempotency_key longer than 200 characters or with control characters', () => {
    expect(parseIngestRequest({ ...event, idempotency_key: 'k'.repeat(201) }).success).toBe(false);
    expect(parseIngestRequest({ ...event, idempotency_key: 'a\nb' }).success).toBe(false);
  });

  it('rejects an unknown field next to message_type and data', () => {
    const result = parseIngestRequest({ ...event, account: 'acme' });
    expect(!result.success && result.error.issues[0]?.code).toBe('unrecognized_keys');
  });
});
