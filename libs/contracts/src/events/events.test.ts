import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { builtinEventTypes } from '../api/event-types';
import { BuiltinDeliveryEnvelope } from '../envelope';
import {
  eventTypes,
  InboundShipmentEventData,
  isBuiltinMessageType,
  MESSAGE_TYPES,
  MessageType,
  OrderEventData,
  parseEventData,
  resolvePointer,
  RmaEventData,
  SnapshotReadyData,
} from './index';

function issuesOf(result: { success: boolean; error?: z.ZodError }): string {
  return result.error === undefined ? '' : z.prettifyError(result.error);
}

const orderItem = () => structuredClone(eventTypes.orderEvent.example.data[0]!) as Record<string, unknown>;

describe('the MasonHub payload docs examples', () => {
  it.each(MESSAGE_TYPES)('parses the %s example as an envelope and its data as that type', (messageType) => {
    const example = eventTypes[messageType].example;
    const envelope = BuiltinDeliveryEnvelope.safeParse(example);
    expect(issuesOf(envelope)).toBe('');
    expect(envelope.data?.api_version).toBe('1.0');
    expect(parseEventData(messageType, example.data).success).toBe(true);
  });

  it('keeps the seed rma id, which is not a UUID', () => {
    const parsed = RmaEventData.parse(eventTypes.rmaEvent.example.data);
    expect(parsed[0]?.id).toBe('vf79fyn5-ec61-7892-ae7b-57a173b68133');
  });

  it('accepts microsecond timestamps such as 2018-11-18T00:43:23.095637Z', () => {
    expect(eventTypes.skuInventoryChange.example.data[0]?.as_of).toBe('2018-11-18T00:43:23.095637Z');
    expect(parseEventData('skuInventoryChange', eventTypes.skuInventoryChange.example.data).success).toBe(true);
  });
});

describe('event data schemas', () => {
  it('rejects an unknown order status and names the allowed ones', () => {
    const result = OrderEventData.safeParse([{ ...orderItem(), status: 'shipped' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([0, 'status']);
    expect(result.error?.issues[0]?.message).toContain('atWarehouse');
  });

  it('rejects an order without order_id', () => {
    const { order_id: _dropped, ...item } = orderItem();
    const result = OrderEventData.safeParse([item]);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[0, 'order_id']]);
  });

  it('rejects a quantity given as a string', () => {
    const item = orderItem();
    const result = OrderEventData.safeParse([{ ...item, shorts: [{ sku_customer_id: 'x', quantity: '1' }] }]);
    expect(result.error?.issues[0]).toMatchObject({ code: 'invalid_type', path: [0, 'shorts', 0, 'quantity'] });
  });

  it('rejects a timestamp that is not ISO 8601', () => {
    const result = SnapshotReadyData.safeParse({ ...eventTypes.snapshotReady.example.data, as_of: '05/08/2019' });
    expect(result.error?.issues[0]?.path).toEqual(['as_of']);
    expect(result.error?.issues[0]?.message).toContain('ISO 8601');
  });

  it('keeps unknown fields of data items for forward compatibility', () => {
    const parsed = OrderEventData.parse([{ ...orderItem(), gift_wrap: true }]);
    expect(parsed[0]?.['gift_wrap']).toBe(true);
  });

  it('rejects an empty data array', () => {
    expect(OrderEventData.safeParse([]).success).toBe(false);
  });

  it('rejects snapshotReady data given as an array', () => {
    const result = parseEventData('snapshotReady', [eventTypes.snapshotReady.example.data]);
    expect(result.error?.issues[0]).toMatchObject({ code: 'invalid_type', expected: 'object' });
  });

  it.each(['receivingCompleted', 'receivingComplete'])('accepts the inbound status spelling %s (the seed uses both)', (status) => {
    const item = { ...eventTypes.inboundShipmentEvent.example.data[0]!, status };
    expect(InboundShipmentEventData.safeParse([item]).success).toBe(true);
  });

  it('requires a reason on a failed resolution', () => {
    const item = { ...eventTypes.orderCancelResolution.example.data[0]!, reason: null };
    const result = parseEventData('orderCancelResolution', [item]);
    expect(result.error?.issues[0]).toMatchObject({ path: [0, 'reason'], message: 'reason is required when status is "failure"' });
  });

  it('accepts a null reason on a successful resolution', () => {
    expect(parseEventData('orderUpdateResolution', eventTypes.orderUpdateResolution.example.data).success).toBe(true);
  });

  it('fails an unknown message type with an issue at message_type', () => {
    const result = parseEventData('orderShipped' as never, []);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['message_type']);
    expect(result.error?.issues[0]?.message).toContain('unknown built-in message_type "orderShipped"');
  });
});

describe('builtinEventTypes', () => {
  const catalog = builtinEventTypes();

  it('lists all nine message types, built-in, version 1, live', () => {
    expect(catalog.map((entry) => entry.message_type)).toEqual([...MESSAGE_TYPES]);
    expect(catalog.every((entry) => entry.builtin && entry.version === 1 && !entry.archived)).toBe(true);
  });

  it.each(MESSAGE_TYPES)('gives %s a JSON Schema and an example that is data POST /events takes', (messageType) => {
    const entry = catalog.find((candidate) => candidate.message_type === messageType)!;
    expect(entry.description.length).toBeGreaterThan(10);
    expect(entry.schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(entry.schema['type']).toBe(messageType === 'snapshotReady' ? 'object' : 'array');
    expect(entry.example).toEqual(eventTypes[messageType].example.data);
    expect(parseEventData(messageType, entry.example).success).toBe(true);
  });

  it.each(MESSAGE_TYPES)('maps %s to a thin reference whose pointers resolve to strings in its example', (messageType) => {
    const entry = catalog.find((candidate) => candidate.message_type === messageType)!;
    const thin = entry.thin!;
    const id = resolvePointer(entry.example, thin.object_id);
    expect(id).toEqual({ found: true, value: expect.any(String) });
    if (thin.object_reference !== undefined) expect(resolvePointer(entry.example, thin.object_reference)).toEqual({ found: true, value: expect.any(String) });
  });

  it('derives the schema from zod: the orderEvent status enum is in it', () => {
    const schema = catalog.find((entry) => entry.message_type === 'orderEvent')!.schema as { items: { properties: { status: { enum: string[] } } } };
    expect(schema.items.properties.status.enum).toEqual(['atWarehouse', 'inProcess', 'packed', 'fulfilled', 'delivered', 'canceled']);
  });

  it('hands out copies: changing one entry changes no later listing', () => {
    (catalog[0]!.schema as Record<string, unknown>)['type'] = 'string';
    expect(builtinEventTypes()[0]!.schema['type']).toBe('array');
  });
});

describe('MessageType', () => {
  it.each(['orderEvent', 'Orders.Created', 'orders:created', 'PurchasedOrders.Confirmed', 'a', `A${'b'.repeat(63)}`])('accepts the name %s', (name) => {
    expect(MessageType.safeParse(name).success).toBe(true);
  });

  it.each(['', '1orders', '.orders', 'orders created', 'orders/created', 'orders*', 'orders>', `A${'b'.repeat(64)}`, 'ordersé'])('refuses the name %j', (name) => {
    const result = MessageType.safeParse(name);
    expect(result.success).toBe(false);
  });

  it('tells built-in names from registered ones', () => {
    expect(isBuiltinMessageType('orderEvent')).toBe(true);
    expect(isBuiltinMessageType('Orders.Created')).toBe(false);
  });
});

describe('resolvePointer', () => {
  const data = [{ order_id: 'o-1', 'a/b': { '~x': 2 }, list: [10, 20] }];

  it('walks arrays and objects, with ~1 and ~0 escapes', () => {
    expect(resolvePointer(data, '/0/order_id')).toEqual({ found: true, value: 'o-1' });
    expect(resolvePointer(data, '/0/a~1b/~0x')).toEqual({ found: true, value: 2 });
    expect(resolvePointer(data, '/0/list/1')).toEqual({ found: true, value: 20 });
    expect(resolvePointer(data, '')).toEqual({ found: true, value: data });
  });

  it('reports a step that does not exist, an index past the end and a non-numeric index', () => {
    expect(resolvePointer(data, '/0/missing')).toEqual({ found: false });
    expect(resolvePointer(data, '/1')).toEqual({ found: false });
    expect(resolvePointer(data, '/x')).toEqual({ found: false });
    expect(resolvePointer(data, '/0/list/01')).toEqual({ found: false });
    expect(resolvePointer({ a: 1 }, '/toString')).toEqual({ found: false });
  });
});
