// The one function that builds what a customer endpoint receives: body bytes and headers in the callback's wire
// profile, signed with every live secret. The dispatcher sends exactly this; receivers can build it too in tests.
import { createHmac } from 'node:crypto';
import { STANDARD_WEBHOOK_HEADERS, TRACEPARENT_HEADER } from './headers';
import { resolvePointer, type ThinMapping } from './events';
import type { WireProfile } from './profiles';
import { signStandardWebhook } from './signing';

/** What of an event a request needs. */
export interface WebhookEvent {
  message_id: string;
  message_type: string;
  account: string;
  api_version: string;
  data: unknown;
  /** When ingest stored it (the thin body's eventDateTime). */
  ingested_at: string;
}

/** The body a profile sends, as bytes; built once per event and profile (and callback, for the envelope). */
export interface WebhookBodyInput {
  profile: Pick<WireProfile, 'body'>;
  event: WebhookEvent;
  callback: { url: string; token?: string | undefined };
  /** The type's thin mapping (built-in or registered); without one the thin body names the message. */
  thin?: ThinMapping | undefined;
  /** `JSON.stringify(event.data)`, when the caller already has it: an envelope then costs one concatenation. */
  dataJson?: string;
}

/** The thin body's time: the ingest time in UTC, to the second, without a zone ("2019-03-27T14:58:03"). */
export function thinDateTime(isoTime: string): string {
  return new Date(isoTime).toISOString().slice(0, 19);
}

function scalarAt(data: unknown, pointer: string | undefined): string | null {
  if (pointer === undefined) return null;
  const found = resolvePointer(data, pointer);
  if (!found.found) return null;
  const { value } = found;
  return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
}

/**
 * A reference to the event instead of the event (ModusLink's webhook docs): which object, its id and the customer's reference, and
 * a link to audit's message view, where the customer reads the full event with its own token.
 */
export function thinBody(event: WebhookEvent, thin: ThinMapping | undefined): Record<string, unknown> {
  const objectName = thin?.object_name ?? event.message_type;
  return {
    eventType: event.message_type,
    eventObjectId: scalarAt(event.data, thin?.object_id) ?? event.message_id,
    eventObjectName: objectName,
    eventObjectReference: scalarAt(event.data, thin?.object_reference),
    eventDateTime: thinDateTime(event.ingested_at),
    links: [{ href: `/${event.account}/api/v1/messages/${event.message_id}`, rel: objectName }],
  };
}

/** The raw body bytes of a delivery in the profile's body shape. */
export function webhookBody(input: WebhookBodyInput): Buffer {
  const { event } = input;
  switch (input.profile.body) {
    case 'data':
      return Buffer.from(input.dataJson ?? JSON.stringify(event.data), 'utf8');
    case 'thin':
      return Buffer.from(JSON.stringify(thinBody(event, input.thin)), 'utf8');
    case 'envelope': {
      // The wire order of MasonHub's Callback API: callback_url, message_type, message_id, api_version, token?, data. `data` is last,
      // so its JSON (serialised once per event) is appended to the head's.
      const head = {
        callback_url: input.callback.url,
        message_type: event.message_type,
        message_id: event.message_id,
        api_version: event.api_version,
        ...(input.callback.token === undefined ? {} : { token: input.callback.token }),
      };
      const dataJson = input.dataJson ?? JSON.stringify(event.data);
      return Buffer.from(`${JSON.stringify(head).slice(0, -1)},"data":${dataJson}}`, 'utf8');
    }
  }
}

/** The HMAC key of a secret: the base64-decoded bytes of a `whsec_` secret, the UTF-8 bytes of a `plain` one. */
export function signingKeyOf(secret: string, format: WireProfile['secret_format']): Buffer {
  if (format === 'plain') return Buffer.from(secret, 'utf8');
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * A body-signature header value: HMAC-SHA256 of the raw body with each live key (newest first), encoded and
 * prefixed, comma-separated, so a receiver holding either secret of a rotation can verify.
 */
export function bodySignatureValue(keys: readonly Uint8Array[], body: Buffer, signature: NonNullable<WireProfile['body_signature']>): string {
  return keys.map((key) => `${signature.prefix ?? ''}${createHmac('sha256', key).update(body).digest(signature.encoding)}`).join(',');
}

export interface WebhookRequestInput {
  profile: WireProfile;
  event: WebhookEvent;
  callback: { id: string; url: string; token?: string | undefined; signed: boolean };
  /** The type's thin mapping, for a thin body. */
  thin?: ThinMapping | undefined;
  deliveryId: string;
  /** The attempt number the receiver sees: from 1 in each series. */
  attempt: number;
  /** The delivery's series: 0 for the fan-out, n for the n-th redelivery (sent in the profile's redelivery header when > 0). */
  series?: number | undefined;
  /** Position of this delivery among the callback's deliveries of its ordering key (ordered callbacks), from 1. */
  sequence?: number | undefined;
  /** HMAC keys of the live secrets, newest first (signingKeyOf). */
  keys: readonly Uint8Array[];
  /** The signing time (webhook-timestamp, the profile's timestamp header). */
  now: Date;
  traceparent?: string | undefined;
  /** The body, when built already (webhookBody): reused across callbacks of one event and across retries. */
  body?: Buffer;
}

export interface WebhookRequest {
  /** The raw body bytes; every signature covers exactly these. */
  body: Buffer;
  headers: Record<string, string>;
}

/** Headers and body of one attempt in the callback's profile; an unsigned callback (signing optional) gets no signature. */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const { profile, event } = input;
  const body = input.body ?? webhookBody({ profile, event, callback: input.callback, thin: input.thin });
  const names = profile.headers;
  const seconds = Math.floor(input.now.getTime() / 1000);
  const signed = input.callback.signed && input.keys.length > 0;
  const headers: Record<string, string> = { 'user-agent': profile.user_agent, 'content-type': 'application/json' };
  if (names.event !== undefined) headers[names.event] = event.message_type;
  if (names.delivery !== undefined) headers[names.delivery] = input.deliveryId;
  if (names.attempt !== undefined) headers[names.attempt] = String(input.attempt);
  if (names.redelivery !== undefined && input.series !== undefined && input.series > 0) headers[names.redelivery] = String(input.series);
  if (names.callback_id !== undefined) headers[names.callback_id] = input.callback.id;
  if (names.timestamp !== undefined) headers[names.timestamp] = String(seconds);
  if (names.sequence !== undefined && input.sequence !== undefined) headers[names.sequence] = String(input.sequence);
  if (signed && profile.body_signature !== null) headers[profile.body_signature.header] = bodySignatureValue(input.keys, body, profile.body_signature);
  if (profile.standard_webhooks) {
    headers[STANDARD_WEBHOOK_HEADERS.id] = event.message_id;
    headers[STANDARD_WEBHOOK_HEADERS.timestamp] = String(seconds);
    if (signed) headers[STANDARD_WEBHOOK_HEADERS.signature] = signStandardWebhook({ id: event.message_id, timestamp: seconds, body, secrets: input.keys });
  }
  if (input.traceparent !== undefined) headers[TRACEPARENT_HEADER] = input.traceparent;
  return { body, headers };
}
