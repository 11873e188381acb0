// Seed 000 names shipmentEvent ("outbound shipping notifications") without a payload; this one follows
// the orderEvent shipment fields so a receiver can reuse its parsing.
import { z } from 'zod';
import { ExternalId, IsoDateTime, NonEmptyString } from '../primitives';
import type { EventExample } from './example';
import { ShipmentLineItem } from './order-event';

export const ShipmentStatus = z.enum(['labelCreated', 'shipped', 'inTransit', 'outForDelivery', 'delivered', 'exception', 'returnedToSender']);
export type ShipmentStatus = z.infer<typeof ShipmentStatus>;

export const ShipmentEventItem = z.looseObject({
  shipment_id: ExternalId,
  order_id: ExternalId,
  customer_identifier: ExternalId,
  status: ShipmentStatus,
  as_of: IsoDateTime,
  shipping_provider: NonEmptyString,
  shipper_service_level: z.string().optional(),
  tracking_number: z.string().nullable(),
  tracking_url: z.url({ error: 'tracking_url must be an absolute URL' }).nullable().optional(),
  shipment_date_time: IsoDateTime.nullable().optional(),
  estimated_delivery_date: IsoDateTime.nullable().optional(),
  delivered_at: IsoDateTime.nullable().optional(),
  exception_reason: z.string().nullable().optional(),
  shipment_line_items: z.array(ShipmentLineItem),
});
export type ShipmentEventItem = z.infer<typeof ShipmentEventItem>;

export const ShipmentEventData = z.array(ShipmentEventItem).min(1, 'data must hold at least one item');
export type ShipmentEventData = z.infer<typeof ShipmentEventData>;

/** Designed for Hookmesh (no seed payload exists), in the style of orderEvent. */
export const shipmentEventExample: EventExample<'shipmentEvent', ShipmentEventData> = {
  callback_url: 'https://client.com/api/shipmentEvent',
  message_type: 'shipmentEvent',
  message_id: '7a1c3e52-2b8f-4d6a-9c0e-5f4b3a2d1e0f',
  data: [
    {
      shipment_id: '88888',
      order_id: '8f1316d5-859f-4802-98b0-63d03a9517ac',
      customer_identifier: '12345',
      status: 'inTransit',
      as_of: '2018-08-07T09:30:00Z',
      shipping_provider: 'UPS',
      shipper_service_level: 'ground',
      tracking_number: '1z324897234nferg45',
      tracking_url: 'https://ups.com/tracking/1z324897234nferg45',
      shipment_date_time: '2018-08-06T15:11:19Z',
      estimated_delivery_date: '2018-08-09T00:00:00Z',
      delivered_at: null,
      exception_reason: null,
      shipment_line_items: [{ sku_customer_id: 'shirts872340', quantity: 2 }],
    },
  ],
};
