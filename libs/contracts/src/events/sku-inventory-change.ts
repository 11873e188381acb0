import { z } from 'zod';
import { ExternalId, IsoDateTime, NonEmptyString, Quantity } from '../primitives';
import type { EventExample } from './example';

export const InventoryStatusCount = z.looseObject({
  inventory_location_id: ExternalId,
  inventory_location_address: z.string().optional(),
  inventory_status: NonEmptyString,
  quantity: Quantity,
  as_of: IsoDateTime,
});
export type InventoryStatusCount = z.infer<typeof InventoryStatusCount>;

export const SkuInventoryChangeItem = z.looseObject({
  sku_id: ExternalId,
  customer_identifier: ExternalId,
  total_units: Quantity,
  // Can go below zero when orders are allocated ahead of stock, so only integrality is required.
  total_available_to_sell: z.number().int('must be an integer'),
  as_of: IsoDateTime,
  status_counts: z.array(InventoryStatusCount),
});
export type SkuInventoryChangeItem = z.infer<typeof SkuInventoryChangeItem>;

export const SkuInventoryChangeData = z.array(SkuInventoryChangeItem).min(1, 'data must hold at least one item');
export type SkuInventoryChangeData = z.infer<typeof SkuInventoryChangeData>;

/** Seed 002, verbatim. */
export const skuInventoryChangeExample: EventExample<'skuInventoryChange', SkuInventoryChangeData> = {
  callback_url: 'https://client.com/api/skuInventoryChange',
  message_type: 'skuInventoryChange',
  message_id: 'e58769ec-c4cf-47f9-b80a-378a9b85aeae',
  data: [
    {
      sku_id: 'e5d00ff6-b34a-496e-9559-eb90e99463af',
      customer_identifier: '10000',
      total_units: 200,
      total_available_to_sell: 100,
      as_of: '2018-11-18T00:43:23.095637Z',
      status_counts: [
        {
          inventory_location_id: 'bf7bb516-ce52-8950-2a8b-9008f0091d93',
          inventory_location_address: 'MasonHub - Rancho Cucamonga | 8595 Milliken Avenue, B102 Rancho Cucamonga, CA 91730',
          inventory_status: 'available',
          quantity: 100,
          as_of: '2018-11-18T00:43:22.664965Z',
        },
      ],
    },
  ],
};
