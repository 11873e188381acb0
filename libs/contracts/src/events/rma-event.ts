import { z } from 'zod';
import { ExternalId, IsoDateTime, NonEmptyString, Quantity } from '../primitives';
import type { EventExample } from './example';

export const RmaStatus = z.enum(['tendered', 'inTransit', 'delivered', 'received', 'undeliverable']);
export type RmaStatus = z.infer<typeof RmaStatus>;

export const RmaLineItem = z.looseObject({
  customer_order_id: ExternalId,
  customer_sku_id: ExternalId,
  quantity: Quantity,
  quantity_received: Quantity,
  return_reason_code: z.string().nullable().optional(),
  return_inventory_status: z.string().nullable().optional(),
  not_on_original_rma: z.boolean(),
});
export type RmaLineItem = z.infer<typeof RmaLineItem>;

export const RmaEventItem = z.looseObject({
  // The seed's id "vf79fyn5-…" is not a UUID, so ids are only required to be non-empty.
  id: ExternalId,
  customer_identifier: ExternalId,
  package_id: z.string().nullable().optional(),
  return_type: NonEmptyString,
  status: RmaStatus,
  received_at: IsoDateTime.nullable().optional(),
  notes: z.string().nullable().optional(),
  line_items: z.array(RmaLineItem),
});
export type RmaEventItem = z.infer<typeof RmaEventItem>;

export const RmaEventData = z.array(RmaEventItem).min(1, 'data must hold at least one item');
export type RmaEventData = z.infer<typeof RmaEventData>;

/** Seed 002, verbatim. */
export const rmaEventExample: EventExample<'rmaEvent', RmaEventData> = {
  callback_url: 'https://client.com/api/rmaEvent',
  message_type: 'rmaEvent',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  data: [
    {
      id: 'vf79fyn5-ec61-7892-ae7b-57a173b68133',
      customer_identifier: 'rma123',
      package_id: '1z324897234nferg45',
      return_type: 'rma_submitted_by_customer',
      status: 'received',
      received_at: '2018-08-06T11:18:46Z',
      notes: 'All items received in good condition',
      line_items: [
        {
          customer_order_id: '54321',
          customer_sku_id: 'shirts872340',
          quantity: 2,
          quantity_received: 2,
          return_reason_code: 'tooBig',
          return_inventory_status: 'quality-control',
          not_on_original_rma: false,
        },
      ],
    },
  ],
};
