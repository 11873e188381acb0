// The registry of message types: one entry per type with its data schema, description and example.
import { z } from 'zod';
import { inboundShipmentEventExample, InboundShipmentEventData } from './inbound-shipment-event';
import { MESSAGE_TYPES, type MessageTypeName } from './names';
import { EventTypeMapping } from './mapping';
import { orderCancelResolutionExample, OrderCancelResolutionData } from './order-cancel-resolution';
import { orderEventExample, OrderEventData } from './order-event';
import { orderUpdateResolutionExample, OrderUpdateResolutionData } from './order-update-resolution';
import { qualityEventExample, QualityEventData } from './quality-event';
import { rmaEventExample, RmaEventData } from './rma-event';
import { shipmentEventExample, ShipmentEventData } from './shipment-event';
import { skuInventoryChangeExample, SkuInventoryChangeData } from './sku-inventory-change';
import { snapshotReadyExample, SnapshotReadyData } from './snapshot-ready';

export * from './inbound-shipment-event';
export * from './order-cancel-resolution';
export * from './order-event';
export * from './order-update-resolution';
export * from './quality-event';
export * from './resolution';
export * from './rma-event';
export * from './shipment-event';
export * from './sku-inventory-change';
export * from './snapshot-ready';
export type { EventExample } from './example';
export { MESSAGE_TYPES } from './names';
export * from './mapping';

/**
 * A message type's name: the nine built-in ones and every operator-registered one (`Orders.Created`,
 * `orders:created`). It becomes a NATS subject token and a KV key part through messageTypeToken.
 */
export const MESSAGE_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._:-]{0,63}$/;

export const MessageType = z
  .string({ error: 'message_type must be a string' })
  .regex(MESSAGE_TYPE_PATTERN, {
    error: (issue) =>
      `message_type ${JSON.stringify(issue.input)} is not a valid name: 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter`,
  })
  .meta({ examples: [...MESSAGE_TYPES] });
export type MessageType = z.infer<typeof MessageType>;

/** The nine types of MasonHub's Callback API and payload docs, defined by zod in this library; a registered type can never take their names. */
export const BuiltinMessageType = z.enum(MESSAGE_TYPES, {
  error: (issue) => `unknown built-in message_type ${JSON.stringify(issue.input)}; expected one of: ${MESSAGE_TYPES.join(', ')}`,
});
export type BuiltinMessageType = z.infer<typeof BuiltinMessageType>;

const BUILTIN_NAMES: ReadonlySet<string> = new Set(MESSAGE_TYPES);

/** Whether `name` is one of the nine built-in types. */
export function isBuiltinMessageType(name: string): name is BuiltinMessageType {
  return BUILTIN_NAMES.has(name);
}

/** The built-in catalog: one entry per type with its data schema, description, example and reference mapping. */
export const eventTypes = {
  skuInventoryChange: {
    description: 'Inventory levels of SKUs changed at a location or in a status.',
    data: SkuInventoryChangeData,
    example: skuInventoryChangeExample,
    mapping: { thin: { object_name: 'skus', object_id: '/0/sku_id', object_reference: '/0/customer_identifier' } },
  },
  snapshotReady: {
    description: 'A full inventory snapshot is ready for download (data is one object, not an array).',
    data: SnapshotReadyData,
    example: snapshotReadyExample,
    mapping: { thin: { object_name: 'snapshots', object_id: '/snapshot_id' } },
  },
  orderEvent: {
    description: 'Order lifecycle update: status change, shipments and shorts.',
    data: OrderEventData,
    example: orderEventExample,
    mapping: { thin: { object_name: 'orders', object_id: '/0/order_id', object_reference: '/0/customer_identifier' }, ordering_key: '/0/order_id' },
  },
  orderUpdateResolution: {
    description: 'An asynchronous order update request was resolved (success or failure with a reason).',
    data: OrderUpdateResolutionData,
    example: orderUpdateResolutionExample,
    mapping: { thin: { object_name: 'order_updates', object_id: '/0/id', object_reference: '/0/customer_order_id' } },
  },
  orderCancelResolution: {
    description: 'An asynchronous order cancel request was resolved (success or failure with a reason).',
    data: OrderCancelResolutionData,
    example: orderCancelResolutionExample,
    mapping: { thin: { object_name: 'order_cancels', object_id: '/0/id', object_reference: '/0/customer_order_id' } },
  },
  inboundShipmentEvent: {
    description: 'Inbound shipment receiving status changed (onDock, receivingStarted, receivingCompleted).',
    data: InboundShipmentEventData,
    example: inboundShipmentEventExample,
    mapping: { thin: { object_name: 'inbound_shipments', object_id: '/0/id', object_reference: '/0/customer_identifier' } },
  },
  shipmentEvent: {
    description: 'Outbound shipment tracking status changed.',
    data: ShipmentEventData,
    example: shipmentEventExample,
    mapping: { thin: { object_name: 'shipments', object_id: '/0/shipment_id', object_reference: '/0/customer_identifier' } },
  },
  rmaEvent: {
    description: 'Return (RMA) status changed or returned items were received.',
    data: RmaEventData,
    example: rmaEventExample,
    mapping: { thin: { object_name: 'rmas', object_id: '/0/id', object_reference: '/0/customer_identifier' } },
  },
  qualityEvent: {
    description: 'Quality control status of inspected units changed.',
    data: QualityEventData,
    example: qualityEventExample,
    mapping: { thin: { object_name: 'quality_events', object_id: '/0/id', object_reference: '/0/customer_identifier' } },
  },
} as const satisfies Record<
  MessageTypeName,
  { description: string; data: z.ZodType; example: { message_type: MessageTypeName }; mapping: EventTypeMapping }
>;

/** The parsed `data` type of each built-in message type. */
export type EventDataMap = { [K in BuiltinMessageType]: z.output<(typeof eventTypes)[K]['data']> };

/** Validates `data` against the zod schema of a built-in type; any other name fails with an issue at `message_type`. */
export function parseEventData<T extends BuiltinMessageType>(messageType: T, data: unknown): z.ZodSafeParseResult<EventDataMap[T]> {
  const known = BuiltinMessageType.safeParse(messageType);
  if (!known.success) {
    return { success: false, error: new z.ZodError(known.error.issues.map((issue) => ({ ...issue, path: ['message_type'] }))) as z.ZodError<EventDataMap[T]> };
  }
  // The registry maps T to its schema, but TypeScript cannot narrow an indexed union of schemas by T.
  return eventTypes[messageType].data.safeParse(data) as z.ZodSafeParseResult<EventDataMap[T]>;
}

/** The `data` of a built-in type's example: what POST /events takes as `data` for that type. */
export function builtinExampleData(messageType: BuiltinMessageType): unknown {
  return structuredClone(eventTypes[messageType].example.data);
}

// Derived once: z.toJSONSchema walks the whole schema, and the catalog is listed on every GET /event_types.
let builtinSchemas: Map<BuiltinMessageType, Record<string, unknown>> | undefined;

/** The JSON Schema (draft 2020-12) of a built-in type's `data`, derived from its zod schema (what a producer may send). */
export function builtinDataJsonSchema(messageType: BuiltinMessageType): Record<string, unknown> {
  builtinSchemas ??= new Map(
    MESSAGE_TYPES.map((name) => [name, z.toJSONSchema(eventTypes[name].data, { io: 'input' }) as Record<string, unknown>]),
  );
  return structuredClone(builtinSchemas.get(messageType) as Record<string, unknown>);
}
