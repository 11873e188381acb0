import { z } from 'zod';
import { ExternalId, IsoDateTime, Quantity } from '../primitives';
import type { EventExample } from './example';

/**
 * Seed 002 lists `receivingCompleted` but its own example sends `receivingComplete`.
 * Receivers built against either reading exist, so both spellings are accepted; producers should send `receivingCompleted`.
 */
export const InboundShipmentStatus = z.enum(['onDock', 'receivingStarted', 'receivingCompleted', 'receivingComplete']);
export type InboundShipmentStatus = z.infer<typeof InboundShipmentStatus>;

export const InboundLineItem = z.looseObject({
  customer_sku_id: ExternalId,
  quantity: Quantity,
  total_quantity_received: Quantity,
  not_on_original_shipment: z.boolean(),
});
export type InboundLineItem = z.infer<typeof InboundLineItem>;

export const InboundShipmentDetails = z.looseObject({
  inventory_location_address: z.string().optional(),
  // Each stage fills in its own timestamp, so earlier stages leave the later ones absent or null.
  arrived_at: IsoDateTime.nullable().optional(),
  started_receiving_at: IsoDateTime.nullable().optional(),
  finished_receiving_at: IsoDateTime.nullable().optional(),
  line_items: z.array(InboundLineItem),
});
export type InboundShipmentDetails = z.infer<typeof InboundShipmentDetails>;

export const InboundShipmentItem = z.looseObject({
  id: ExternalId,
  customer_identifier: ExternalId,
  status: InboundShipmentStatus,
  as_of: IsoDateTime,
  details: InboundShipmentDetails,
});
export type InboundShipmentItem = z.infer<typeof InboundShipmentItem>;

export const InboundShipmentEventData = z.array(InboundShipmentItem).min(1, 'data must hold at least one item');
export type InboundShipmentEventData = z.infer<typeof InboundShipmentEventData>;

/** Seed 002, verbatim (including its `receivingComplete` spelling). */
export const inboundShipmentEventExample: EventExample<'inboundShipmentEvent', InboundShipmentEventData> = {
  callback_url: 'https://client.com/api/inboundShipmentEvent',
  message_type: 'inboundShipmentEvent',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  data: [
    {
      id: '33455ccc-40f5-431b-81a1-44098f8a92bd',
      customer_identifier: 'shipment32432',
      status: 'receivingComplete',
      as_of: '2018-12-11T15:53:23Z',
      details: {
        inventory_location_address: 'MasonHub Rancho | 1 Mason Way Rancho Cucomunga, CA 97130',
        arrived_at: '2018-12-11T09:15:00Z',
        started_receiving_at: '2018-12-11T11:01:24Z',
        finished_receiving_at: '2018-12-11T15:53:23Z',
        line_items: [
          {
            customer_sku_id: 'shirt-534212',
            quantity: 100,
            total_quantity_received: 90,
            not_on_original_shipment: false,
          },
        ],
      },
    },
  ],
};
