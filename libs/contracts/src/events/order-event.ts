import { z } from 'zod';
import { ExternalId, IsoDateTime, NonEmptyString, Quantity } from '../primitives';
import type { EventExample } from './example';

export const OrderStatus = z.enum(['atWarehouse', 'inProcess', 'packed', 'fulfilled', 'delivered', 'canceled']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const ShipmentLineItem = z.looseObject({
  sku_customer_id: ExternalId,
  quantity: Quantity,
});
export type ShipmentLineItem = z.infer<typeof ShipmentLineItem>;

export const OrderShipment = z.looseObject({
  shipment_id: ExternalId,
  shipping_provider: NonEmptyString,
  shipper_service_level: z.string().optional(),
  tracking_number: z.string().nullable().optional(),
  // Carriers still hand out http tracking links (the seed's UPS link is one), so the scheme is not restricted.
  tracking_url: z.url({ error: 'tracking_url must be an absolute URL' }).nullable().optional(),
  shipment_date_time: IsoDateTime,
  shipment_line_items: z.array(ShipmentLineItem),
});
export type OrderShipment = z.infer<typeof OrderShipment>;

export const OrderShort = z.looseObject({
  sku_customer_id: ExternalId,
  quantity: Quantity,
  reason: z.string().nullable().optional(),
});
export type OrderShort = z.infer<typeof OrderShort>;

export const OrderEventItem = z.looseObject({
  order_id: ExternalId,
  customer_identifier: ExternalId,
  status: OrderStatus,
  // An order still at the warehouse has neither shipments nor shorts yet.
  shipments: z.array(OrderShipment).optional(),
  shorts: z.array(OrderShort).optional(),
});
export type OrderEventItem = z.infer<typeof OrderEventItem>;

export const OrderEventData = z.array(OrderEventItem).min(1, 'data must hold at least one item');
export type OrderEventData = z.infer<typeof OrderEventData>;

/** Seed 002, verbatim. */
export const orderEventExample: EventExample<'orderEvent', OrderEventData> = {
  callback_url: 'https://client.com/api/orderEvent',
  message_type: 'orderEvent',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  data: [
    {
      order_id: '8f1316d5-859f-4802-98b0-63d03a9517ac',
      customer_identifier: '12345',
      status: 'fulfilled',
      shipments: [
        {
          shipment_id: '88888',
          shipping_provider: 'UPS',
          shipper_service_level: 'ground',
          tracking_number: '1z324897234nferg45',
          tracking_url: 'http://ups.com/tracking/1z324897234nferg45',
          shipment_date_time: '2018-08-06T15:11:19Z',
          shipment_line_items: [{ sku_customer_id: 'shirts872340', quantity: 2 }],
        },
      ],
      shorts: [{ sku_customer_id: 'pants3422', quantity: 1, reason: 'damage' }],
    },
  ],
};
