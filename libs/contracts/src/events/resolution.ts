// orderUpdateResolution and orderCancelResolution share one item shape (MasonHub's payload docs).
import { z } from 'zod';
import { ExternalId, IsoDateTime } from '../primitives';

export const ResolutionStatus = z.enum(['success', 'failure']);
export type ResolutionStatus = z.infer<typeof ResolutionStatus>;

export const ResolutionItem = z
  .looseObject({
    id: ExternalId,
    customer_order_id: ExternalId,
    status: ResolutionStatus,
    reason: z.string().nullable(),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  // Seed 002: "failure: Update failed (reason provided)"; a failure without a reason is useless to the receiver.
  .refine((item) => item.status !== 'failure' || (item.reason !== null && item.reason.length > 0), {
    message: 'reason is required when status is "failure"',
    path: ['reason'],
  });
export type ResolutionItem = z.infer<typeof ResolutionItem>;

export const ResolutionData = z.array(ResolutionItem).min(1, 'data must hold at least one item');
export type ResolutionData = z.infer<typeof ResolutionData>;
