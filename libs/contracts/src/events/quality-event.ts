// Seed 000 names qualityEvent ("quality control status changes") without a payload; this one follows
// the inbound/RMA style: an id pair, a status enum, an as_of timestamp and line items.
import { z } from 'zod';
import { ExternalId, IsoDateTime, Quantity } from '../primitives';
import type { EventExample } from './example';

export const QualityStatus = z.enum(['quarantined', 'inspecting', 'passed', 'failed', 'released', 'disposed']);
export type QualityStatus = z.infer<typeof QualityStatus>;

/** Where the inspected units came from. */
export const QualitySource = z.enum(['inbound', 'rma', 'inventory']);
export type QualitySource = z.infer<typeof QualitySource>;

export const QualityLineItem = z.looseObject({
  customer_sku_id: ExternalId,
  quantity: Quantity,
  quantity_passed: Quantity.optional(),
  quantity_failed: Quantity.optional(),
  from_inventory_status: z.string().nullable().optional(),
  to_inventory_status: z.string().nullable().optional(),
});
export type QualityLineItem = z.infer<typeof QualityLineItem>;

export const QualityEventItem = z.looseObject({
  id: ExternalId,
  customer_identifier: ExternalId,
  status: QualityStatus,
  source: QualitySource,
  source_id: z.string().nullable().optional(),
  as_of: IsoDateTime,
  inventory_location_address: z.string().optional(),
  reason: z.string().nullable().optional(),
  notes: z.string().nullable().optional(),
  line_items: z.array(QualityLineItem),
});
export type QualityEventItem = z.infer<typeof QualityEventItem>;

export const QualityEventData = z.array(QualityEventItem).min(1, 'data must hold at least one item');
export type QualityEventData = z.infer<typeof QualityEventData>;

/** Designed for Hookmesh (no seed payload exists), in the style of inboundShipmentEvent and rmaEvent. */
export const qualityEventExample: EventExample<'qualityEvent', QualityEventData> = {
  callback_url: 'https://client.com/api/qualityEvent',
  message_type: 'qualityEvent',
  message_id: '3d9e8f7a-6b5c-4a3d-8e2f-1a0b9c8d7e6f',
  data: [
    {
      id: 'qc-2f6b9d1e',
      customer_identifier: 'qc-1042',
      status: 'failed',
      source: 'rma',
      source_id: 'vf79fyn5-ec61-7892-ae7b-57a173b68133',
      as_of: '2018-08-06T14:02:10Z',
      inventory_location_address: 'MasonHub - Rancho Cucamonga | 8595 Milliken Avenue, B102 Rancho Cucamonga, CA 91730',
      reason: 'stained',
      notes: 'One unit stained beyond resale',
      line_items: [
        {
          customer_sku_id: 'shirts872340',
          quantity: 2,
          quantity_passed: 1,
          quantity_failed: 1,
          from_inventory_status: 'quality-control',
          to_inventory_status: 'damaged',
        },
      ],
    },
  ],
};
