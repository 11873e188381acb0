import { EventRecord, MESSAGE_TYPES, builtinEventType, eventTypes, parseEventData } from '@hookmesh/contracts';
import { exampleEventRecord } from './test-event';

describe('exampleEventRecord', () => {
  it.each(MESSAGE_TYPES)('builds a valid EventRecord carrying the catalog example of %s', (messageType) => {
    const exampleData = builtinEventType(messageType).example;
    const record = exampleEventRecord({ account: 'acme', messageType, exampleData, messageId: 'm-1', now: new Date('2026-01-10T12:00:00.000Z'), callbackId: 'cb-1' });
    expect(EventRecord.parse(record)).toEqual(record);
    expect(record).toMatchObject({ message_id: 'm-1', account: 'acme', message_type: messageType, api_version: '1.0', ingested_at: '2026-01-10T12:00:00.000Z', target_callback_id: 'cb-1' });
    expect(record.data).toEqual(eventTypes[messageType].example.data);
    expect(parseEventData(messageType, record.data).success).toBe(true);
  });

  it('carries a registered type and its example', () => {
    const record = exampleEventRecord({ account: 'acme', messageType: 'Orders.Created', exampleData: { id: '42' }, messageId: 'm-3', now: new Date(), callbackId: 'cb-3' });
    expect(EventRecord.parse(record)).toMatchObject({ message_type: 'Orders.Created', data: { id: '42' } });
  });

  it('copies the example, so a consumer mutating it cannot change the catalog', () => {
    const exampleData = { nested: { a: 1 } };
    const record = exampleEventRecord({ account: 'acme', messageType: 'snapshotReady', exampleData, messageId: 'm-2', now: new Date(), callbackId: 'cb-2' });
    expect(record.data).not.toBe(exampleData);
    expect(record.data).toEqual(exampleData);
  });
});
