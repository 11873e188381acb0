// The operator's own endpoints for operational events (callback.disabled, circuits, failed deliveries, dead letters).
import { z } from 'zod';
import { OperationalEventType } from '../operational-events';
import { IsoDateTime } from '../primitives';
import { CallbackUrl, IdParam } from './common';
import { CallbackToken, WebhookSecret } from './subscription';

export const CreateOperationalCallbackRequest = z.strictObject({
  url: CallbackUrl,
  events: z
    .array(OperationalEventType)
    .min(1, 'events must name at least one operational event')
    .refine((events) => new Set(events).size === events.length, 'events must not repeat an event'),
  /** Echoed in the body of every delivery, like a customer callback's token. */
  token: CallbackToken.optional(),
});
export type CreateOperationalCallbackRequest = z.infer<typeof CreateOperationalCallbackRequest>;

export const OperationalCallback = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(OperationalEventType),
  status: z.enum(['active', 'disabled']),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type OperationalCallback = z.infer<typeof OperationalCallback>;

/** Shown once, when it is created: the Standard Webhooks secret its deliveries are signed with. */
export const CreatedOperationalCallback = OperationalCallback.extend({ secret: WebhookSecret });
export type CreatedOperationalCallback = z.infer<typeof CreatedOperationalCallback>;

export const OperationalCallbacksResponse = z.object({ operational_callbacks: z.array(OperationalCallback) });
export type OperationalCallbacksResponse = z.infer<typeof OperationalCallbacksResponse>;

export const OperationalCallbackParams = z.strictObject({ id: IdParam });
export type OperationalCallbackParams = z.infer<typeof OperationalCallbackParams>;
