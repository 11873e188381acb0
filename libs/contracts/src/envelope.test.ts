import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { buildDeliveryEnvelope, BuiltinDeliveryEnvelope, DeliveryEnvelope, deliveryEnvelopeOfChecked } from './envelope';
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

describe('buildDeliveryEnvelope', () => {
  const base = { callbackUrl: 'https://client.example/hook', messageType: 'orderEvent', messageId: 'm-1', data: eventTypes.orderEvent.example.data } as const;

  it('writes the fields in wire order with api_version 1.0 and the token when set', () => {
    const envelope = buildDeliveryEnvelope({ ...base, token: 'tok' });
    expect(Object.keys(envelope)).toEqual(['callback_url', 'message_type', 'message_id', 'api_version', 'token', 'data']);
    expect(envelope).toMatchObject({ api_version: '1.0', token: 'tok', message_id: 'm-1' });
  });

  it('leaves token out when the callback has none', () => {
    expect('token' in buildDeliveryEnvelope(base)).toBe(false);
  });

  it('throws when data does not fit the message type', () => {
    expect(() => buildDeliveryEnvelope({ ...base, data: [{ order_id: 'x' }] })).toThrow(z.ZodError);
  });
});

describe('deliveryEnvelopeOfChecked', () => {
  it.each([...MESSAGE_TYPES])('serialises %s data as ingest stored it to the same bytes as the validated envelope', (messageType) => {
    // What ingest stores is the parse output of the same schema, so checking it again changes nothing.
    const stored = BuiltinDeliveryEnvelope.parse({ ...structuredClone(eventTypes[messageType].example), api_version: '1.0' }).data;
    const input = { callbackUrl: 'https://client.example/hook', messageType, messageId: 'm-1', data: stored, token: 'tok' };
    expect(JSON.stringify(deliveryEnvelopeOfChecked(input))).toBe(JSON.stringify(buildDeliveryEnvelope(input)));
    expect(JSON.stringify(deliveryEnvelopeOfChecked({ ...input, token: undefined }))).toBe(JSON.stringify(buildDeliveryEnvelope({ ...input, token: undefined })));
  });
});
