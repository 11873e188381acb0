import { EventRecord, MESSAGE_TYPES, eventTypes, parseEventData } from '@hookmesh/contracts';
import { exampleEventRecord } from './test-event';

describe('exampleEventRecord', () => {
  it.each(MESSAGE_TYPES)('builds a valid EventRecord carrying the example data of %s', (messageType) => {
    const record = exampleEventRecord({ account: 'acme', messageType, messageId: 'm-1', now: new Date('2026-01-10T12:00:00.000Z'), callbackId: 'cb-1' });
    expect(EventRecord.parse(record)).toEqual(record);
    expect(record).toMatchObject({ message_id: 'm-1', account: 'acme', message_type: messageType, api_version: '1.0', ingested_at: '2026-01-10T12:00:00.000Z', target_callback_id: 'cb-1' });
    expect(record.data).toEqual(eventTypes[messageType].example.data);
    expect(parseEventData(messageType, record.data).success).toBe(true);
  });

  it('copies the example, so a consumer mutating it cannot change the contract', () => {
    const record = exampleEventRecord({ account: 'acme', messageType: 'snapshotReady', messageId: 'm-2', now: new Date(), callbackId: 'cb-2' });
    expect(record.data).not.toBe(eventTypes.snapshotReady.example.data);
  });
});
