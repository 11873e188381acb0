import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { BuiltinDeliveryEnvelope, DeliveryEnvelope } from './envelope';
import { builtinProfiles } from './profiles';
import { webhookBody } from './webhook-request';
import { eventTypes, MESSAGE_TYPES } from './events';

const orderEnvelope = () => ({ ...structuredClone(eventTypes.orderEvent.example), api_version: '1.0' });

describe('DeliveryEnvelope', () => {
  it('rejects an extra envelope field', () => {
    const result = DeliveryEnvelope.safeParse({ ...orderEnvelope(), signature: 'x' });
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['signature'] });
  });

  it('takes any valid message type name and any data, for registered types', () => {
    const result = DeliveryEnvelope.safeParse({ ...orderEnvelope(), message_type: 'Orders.Created', data: { id: 1 } });
    expect(result.success).toBe(true);
    expect(DeliveryEnvelope.safeParse({ ...orderEnvelope(), message_type: 'orders created' }).error?.issues[0]?.path).toEqual(['message_type']);
  });

  it('requires data', () => {
    const { data: _data, ...withoutData } = orderEnvelope();
    expect(DeliveryEnvelope.safeParse(withoutData).error?.issues[0]).toMatchObject({ path: ['data'], message: 'data is required' });
  });
});

describe('BuiltinDeliveryEnvelope', () => {
  it('rejects an unknown message_type and lists the known ones', () => {
    const result = BuiltinDeliveryEnvelope.safeParse({ ...orderEnvelope(), message_type: 'orderShipped' });
    expect(result.error?.issues[0]?.path).toEqual(['message_type']);
    expect(z.prettifyError(result.error!)).toContain('skuInventoryChange');
  });

  it('validates data against the schema of its message_type', () => {
    const result = BuiltinDeliveryEnvelope.safeParse({ ...orderEnvelope(), message_type: 'snapshotReady' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['data'], expected: 'object' });
  });

  it('rejects an api_version other than 1.0', () => {
    const result = DeliveryEnvelope.safeParse({ ...orderEnvelope(), api_version: '2.0' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['api_version'], message: 'api_version must be "1.0"' });
  });
});

describe('the envelope the standard and masonhub profiles send', () => {
  it.each([...MESSAGE_TYPES])('is, for %s data as ingest stored it, a valid envelope of that type', (messageType) => {
    const profile = builtinProfiles().standard;
    const event = { message_id: 'm-1', message_type: messageType, account: 'acme', api_version: '1.0', data: eventTypes[messageType].example.data, ingested_at: new Date().toISOString() };
    const body = webhookBody({ profile, event, callback: { url: 'https://client.example/hook', token: 'tok' } });
    const parsed = BuiltinDeliveryEnvelope.parse(JSON.parse(body.toString('utf8')));
    expect(JSON.stringify(parsed)).toBe(body.toString('utf8'));
  });
});
