// The registry of message types: one entry per type with its data schema, description and example.
import { z } from 'zod';
import { inboundShipmentEventExample, InboundShipmentEventData } from './inbound-shipment-event';
import { MESSAGE_TYPES, type MessageTypeName } from './names';
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

export const MessageType = z.enum(MESSAGE_TYPES, {
  error: (issue) => `unknown message_type ${JSON.stringify(issue.input)}; expected one of: ${MESSAGE_TYPES.join(', ')}`,
});
export type MessageType = z.infer<typeof MessageType>;

export const eventTypes = {
  skuInventoryChange: {
    description: 'Inventory levels of SKUs changed at a location or in a status.',
    data: SkuInventoryChangeData,
    example: skuInventoryChangeExample,
  },
  snapshotReady: {
    description: 'A full inventory snapshot is ready for download (data is one object, not an array).',
    data: SnapshotReadyData,
    example: snapshotReadyExample,
  },
  orderEvent: {
    description: 'Order lifecycle update: status change, shipments and shorts.',
    data: OrderEventData,
    example: orderEventExample,
  },
  orderUpdateResolution: {
    description: 'An asynchronous order update request was resolved (success or failure with a reason).',
    data: OrderUpdateResolutionData,
    example: orderUpdateResolutionExample,
  },
  orderCancelResolution: {
    description: 'An asynchronous order cancel request was resolved (success or failure with a reason).',
    data: OrderCancelResolutionData,
    example: orderCancelResolutionExample,
  },
  inboundShipmentEvent: {
    description: 'Inbound shipment receiving status changed (onDock, receivingStarted, receivingCompleted).',
    data: InboundShipmentEventData,
    example: inboundShipmentEventExample,
  },
  shipmentEvent: {
    description: 'Outbound shipment tracking status changed.',
    data: ShipmentEventData,
    example: shipmentEventExample,
  },
  rmaEvent: {
    description: 'Return (RMA) status changed or returned items were received.',
    data: RmaEventData,
    example: rmaEventExample,
  },
  qualityEvent: {
    description: 'Quality control status of inspected units changed.',
    data: QualityEventData,
    example: qualityEventExample,
  },
} as const satisfies Record<MessageTypeName, { description: string; data: z.ZodType; example: { message_type: MessageTypeName } }>;

/** The parsed `data` type of each message type. */
export type EventDataMap = { [K in MessageType]: z.output<(typeof eventTypes)[K]['data']> };

/** Validates `data` against the schema of `messageType`; an unknown type fails with an issue at `message_type`. */
export function parseEventData<T extends MessageType>(messageType: T, data: unknown): z.ZodSafeParseResult<EventDataMap[T]> {
  const known = MessageType.safeParse(messageType);
  if (!known.success) {
    return { success: false, error: new z.ZodError(known.error.issues.map((issue) => ({ ...issue, path: ['message_type'] }))) as z.ZodError<EventDataMap[T]> };
  }
  // The registry maps T to its schema, but TypeScript cannot narrow an indexed union of schemas by T.
  return eventTypes[messageType].data.safeParse(data) as z.ZodSafeParseResult<EventDataMap[T]>;
}

export const EventCatalogEntry = z.object({
  message_type: MessageType,
  description: z.string(),
  schema: z.record(z.string(), z.unknown()),
  example: z.record(z.string(), z.unknown()),
});
export type EventCatalogEntry = z.infer<typeof EventCatalogEntry>;

export const EventCatalogResponse = z.object({ event_types: z.array(EventCatalogEntry) });
export type EventCatalogResponse = z.infer<typeof EventCatalogResponse>;

// The seed examples omit api_version; the catalog shows the envelope exactly as Hookmesh sends it.
function catalogExample(example: { data: unknown; api_version?: string }): Record<string, unknown> {
  const { data, ...head } = structuredClone(example);
  return { ...head, api_version: '1.0', data };
}

/** Lists every message type with its description, the JSON Schema (draft 2020-12) of its `data`, and an example envelope. */
export function eventCatalog(): EventCatalogEntry[] {
  return MESSAGE_TYPES.map((messageType) => {
    const entry = eventTypes[messageType];
    return {
      message_type: messageType,
      description: entry.description,
      // io "input" documents what a producer may send (optional keys stay optional).
      schema: z.toJSONSchema(entry.data, { io: 'input' }) as Record<string, unknown>,
      example: catalogExample(entry.example),
    };
  });
}
