import { z } from 'zod';
import type { EventExample } from './example';
import { ResolutionData } from './resolution';

export const OrderUpdateResolutionData = ResolutionData;
export type OrderUpdateResolutionData = z.infer<typeof OrderUpdateResolutionData>;

/** Seed 002, verbatim. */
export const orderUpdateResolutionExample: EventExample<'orderUpdateResolution', OrderUpdateResolutionData> = {
  callback_url: 'https://client.com/api/orderUpdateResolution',
  message_type: 'orderUpdateResolution',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  data: [
    {
      id: '0b744e29-b668-4486-85dd-82528b5da0dd',
      customer_order_id: '12345',
      status: 'success',
      reason: null,
      created_at: '2018-08-05T17:32:28Z',
      updated_at: '2018-08-05T17:32:28Z',
    },
  ],
};
