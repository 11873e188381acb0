// Callback Configuration API (MasonHub's Callback API) served by subscription-service.
import { z } from 'zod';
import { MessageType } from '../events';
import { ApiVersion, CallbackStatus, IsoDateTime } from '../primitives';
import { RateLimit } from '../delivery-controls';
import { CallbackHealthDetail, HealthState } from '../health';
import { ProfileName, RetrySchedule, TimeoutMs } from '../profiles';
import { AccountParams, CallbackUrl, IdParam, Uuid } from './common';

export const MAX_CALLBACKS_PER_REQUEST = 100;
/** GET /callbacks pages; the default holds every callback of an account under the default per-account limit (100). */
export const DEFAULT_CALLBACKS_PAGE = 100;
export const MAX_CALLBACKS_PAGE = 200;
/** Per-callback timeouts may only lower the installation's timeout (HOOKMESH_DELIVERY_TIMEOUT, default 30 s); the service refuses one above it. */
export const MIN_CALLBACK_TIMEOUT_MS = 1000;
export const MAX_CALLBACK_TIMEOUT_MS = 120_000;
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 60 * 60;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 60 * 60;

export const CallbackToken = z.string().min(1, 'token must not be empty').max(512, 'token must be at most 512 characters');

/** `whsec_` + base64 of 24..64 bytes (Standard Webhooks). */
export const WebhookSecret = z.string().regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'secret must be "whsec_" followed by base64 of 24-64 bytes');
export type WebhookSecret = z.infer<typeof WebhookSecret>;

/** A `plain` secret: 32-128 URL-safe characters, the HMAC key being their UTF-8 bytes; never `whsec_`. */
export const PlainSecret = z.string().regex(/^(?!whsec_)[A-Za-z0-9_-]{32,128}$/, 'a plain secret is 32-128 URL-safe characters and does not start with "whsec_"');

/** A signing secret in its profile's format. */
export const SigningSecret = z.union([WebhookSecret, PlainSecret]);

export const Callback = z.object({
  id: Uuid,
  url: z.string(),
  message_type: MessageType,
  api_version: ApiVersion,
  status: CallbackStatus,
  /** The wire profile deliveries go out in (HOOKMESH_DEFAULT_PROFILE when not chosen). */
  profile: ProfileName,
  /** False only for a callback created unsigned under a profile whose signing is optional: no signature header. */
  signed: z.boolean(),
  /** The callback's own schedule, when it has one (else its profile's, else the installation's). */
  retry_schedule: z.string().nullable().optional(),
  timeout_ms: z.number().int().nullable().optional(),
  /** Deliveries of one ordering key are attempted in ingest order, each after the previous one settled. */
  ordered: z.boolean().optional(),
  /** At most this many attempts per clock second (or minute); deliveries above it wait. */
  rate_limit: RateLimit.nullable().optional(),
  /** With a rate_limit: whether deliveries are waiting on it right now (seen within the last few seconds). */
  rate_limited: z.boolean().optional(),
  /**
   * healthy, failing (its last attempts failed), circuit_open (deliveries wait for the circuit to close) or disabled.
   * Absent only while the service has not yet read the dispatchers' circuits (just started, NATS unreachable).
   */
  health: HealthState.optional(),
  /** Why it is failing or its circuit is open. */
  health_detail: CallbackHealthDetail.optional(),
  /** Why a disabled callback was disabled: "410 Gone", "failing since <time>" or "operator"; null while active. */
  disabled_reason: z.string().nullable().optional(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Callback = z.infer<typeof Callback>;

/** Returned only when a callback is created: the one time its signing secret is shown. */
export const CallbackWithSecret = Callback.extend({ secret: SigningSecret });
export type CallbackWithSecret = z.infer<typeof CallbackWithSecret>;

export const CreateCallbackItem = z.strictObject({
  url: CallbackUrl,
  message_type: MessageType,
  api_version: ApiVersion,
  token: CallbackToken.optional(),
  timeout_ms: TimeoutMs.optional(),
  /** A wire profile (built-in or the operator's); the installation's default when left out. */
  profile: ProfileName.optional(),
  /** `false` sends no signature at all; only where the profile's signing is optional. */
  signed: z.boolean({ error: 'signed must be true or false' }).optional(),
  retry_schedule: RetrySchedule.optional(),
  /** Deliver events of one ordering key in ingest order (chosen at creation, it cannot be changed later). */
  ordered: z.boolean({ error: 'ordered must be true or false' }).optional(),
  rate_limit: RateLimit.optional(),
});
export type CreateCallbackItem = z.infer<typeof CreateCallbackItem>;

/**
 * An array of callbacks, or a single object that is treated as an array of one, so every issue path
 * starts with the item index (`[0, "url"]`) whichever form was sent.
 */
export const CreateCallbacksRequest = z
  .preprocess(
    (value) => (Array.isArray(value) ? value : [value]),
    z
      .array(CreateCallbackItem)
      .min(1, 'send at least one callback')
      .max(MAX_CALLBACKS_PER_REQUEST, `send at most ${MAX_CALLBACKS_PER_REQUEST} callbacks per request`),
  )
  .describe('An array of callbacks to create; a single callback object is also accepted. All or nothing.');
export type CreateCallbacksRequest = z.infer<typeof CreateCallbacksRequest>;

export const CreateCallbacksResponse = z.object({ callbacks: z.array(CallbackWithSecret) });
export type CreateCallbacksResponse = z.infer<typeof CreateCallbacksResponse>;

// Query strings arrive as text, so limit is coerced.
export const ListCallbacksQuery = z.strictObject({
  /** "all", or the name of a message type (built-in or registered). */
  message_type: z.union([z.literal('all'), MessageType], { error: (issue) => `message_type must be "all" or a message type name, got ${JSON.stringify(issue.input)}` }).default('all'),
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be an integer')
    .min(1, 'limit must be at least 1')
    .max(MAX_CALLBACKS_PAGE, `limit must be at most ${MAX_CALLBACKS_PAGE}`)
    .default(DEFAULT_CALLBACKS_PAGE),
  /** Opaque keyset cursor from a previous page's next_cursor. */
  cursor: z.string().min(1).max(500).optional(),
});
export type ListCallbacksQuery = z.infer<typeof ListCallbacksQuery>;

/** Oldest first; `next_cursor` is null on the last page. */
export const ListCallbacksResponse = z.object({ callbacks: z.array(Callback), next_cursor: z.string().nullable() });
export type ListCallbacksResponse = z.infer<typeof ListCallbacksResponse>;

export const DeleteCallbacksRequest = z
  .array(IdParam)
  .min(1, 'send at least one callback id')
  .max(MAX_CALLBACKS_PER_REQUEST, `send at most ${MAX_CALLBACKS_PER_REQUEST} callback ids per request`)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate callback id ${JSON.stringify(id)}` });
      seen.add(id);
    });
  });
export type DeleteCallbacksRequest = z.infer<typeof DeleteCallbacksRequest>;

export const DeleteCallbacksResponse = z.object({ deleted: z.array(z.string()), not_found: z.array(z.string()) });
export type DeleteCallbacksResponse = z.infer<typeof DeleteCallbacksResponse>;

export const PatchCallbackRequest = z
  .strictObject({
    url: CallbackUrl.optional(),
    // null removes the token, the callback's own schedule or timeout.
    token: CallbackToken.nullable().optional(),
    status: CallbackStatus.optional(),
    profile: ProfileName.optional(),
    signed: z.boolean({ error: 'signed must be true or false' }).optional(),
    retry_schedule: RetrySchedule.nullable().optional(),
    timeout_ms: TimeoutMs.nullable().optional(),
    /** null removes the limit. */
    rate_limit: RateLimit.nullable().optional(),
    /** Accepted only unchanged: order is chosen when the callback is created. */
    ordered: z.boolean({ error: 'ordered must be true or false' }).optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'send at least one of url, token, status, profile, signed, retry_schedule, timeout_ms, rate_limit',
  });
export type PatchCallbackRequest = z.infer<typeof PatchCallbackRequest>;

/** A patched callback; `secret` is there only when a move to a profile of another secret format minted a new one (shown once). */
export const PatchCallbackResponse = Callback.extend({ secret: SigningSecret.optional() });
export type PatchCallbackResponse = z.infer<typeof PatchCallbackResponse>;

export const RotateSecretRequest = z.strictObject({
  overlap_seconds: z
    .number()
    .int('overlap_seconds must be an integer')
    .min(0, 'overlap_seconds must not be negative')
    .max(MAX_SECRET_OVERLAP_SECONDS, `overlap_seconds must be at most ${MAX_SECRET_OVERLAP_SECONDS} (7 days)`)
    .default(DEFAULT_SECRET_OVERLAP_SECONDS),
});
export type RotateSecretRequest = z.infer<typeof RotateSecretRequest>;

export const RotateSecretResponse = z.object({
  secret: SigningSecret,
  /** When the previous secret stops signing; null when overlap_seconds was 0. */
  previous_secret_expires_at: IsoDateTime.nullable(),
});
export type RotateSecretResponse = z.infer<typeof RotateSecretResponse>;

export const TestCallbackResponse = z.object({ message_id: z.string() });
export type TestCallbackResponse = z.infer<typeof TestCallbackResponse>;

export const Hold = z.object({
  message_type: MessageType,
  reason: z.string().nullable(),
  created_at: IsoDateTime,
  expires_at: IsoDateTime.nullable(),
});
export type Hold = z.infer<typeof Hold>;

/** Whether expires_at lies in the future depends on the clock, so subscription-service checks it. */
export const CreateHoldRequest = z.strictObject({
  message_type: MessageType,
  reason: z.string().min(1, 'reason must not be empty').max(500, 'reason must be at most 500 characters').optional(),
  expires_at: IsoDateTime.optional(),
});
export type CreateHoldRequest = z.infer<typeof CreateHoldRequest>;

export const ListHoldsResponse = z.object({ holds: z.array(Hold) });
export type ListHoldsResponse = z.infer<typeof ListHoldsResponse>;

export const HoldParams = AccountParams.extend({ message_type: MessageType });
export type HoldParams = z.infer<typeof HoldParams>;
