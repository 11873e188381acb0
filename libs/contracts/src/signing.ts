// Standard Webhooks v1 signing and verification, and the body HMAC header; usable by senders and receivers alike.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { STANDARD_WEBHOOK_HEADERS } from './headers';

export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookBody = string | Buffer | Uint8Array;

export class InvalidSecretError extends Error {
  override readonly name = 'InvalidSecretError';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bodyBytes(body: WebhookBody): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** A new secret: `whsec_` + base64 of `bytes` random bytes (24..64). */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new InvalidSecretError(`a secret must have ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${bytes}`);
  }
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

/**
 * A new `plain` secret (profiles whose receivers use the secret string itself as the HMAC key, as ModusLink and
 * Malomo do): 32 random bytes as base64url, 43 URL-safe characters, never starting with `whsec_`.
 */
export function generatePlainSecret(): string {
  for (;;) {
    const secret = randomBytes(32).toString('base64url');
    if (!secret.startsWith(SECRET_PREFIX)) return secret;
  }
}

/** The key bytes of a secret (`whsec_` prefix optional, as the Standard Webhooks libraries accept); throws InvalidSecretError if not base64. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  // Buffer.from silently skips invalid characters, so the alphabet is checked first.
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new InvalidSecretError('a webhook secret must be "whsec_" followed by base64');
  }
  return Buffer.from(encoded, 'base64');
}

function keyOf(secret: string | Uint8Array): Buffer {
  return typeof secret === 'string' ? decodeSecret(secret) : Buffer.from(secret);
}

function signatureBytes(key: Buffer, id: string, timestamp: number, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

function unixSeconds(timestamp: number | Date): number {
  return timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
}

export interface SignStandardWebhookInput {
  /** The webhook-id (Hookmesh sends the message id). */
  id: string;
  /** Unix seconds, or a Date (truncated to seconds). */
  timestamp: number | Date;
  /** The exact raw body bytes that will be sent. */
  body: WebhookBody;
  /** Every live secret; one `v1,` signature is produced per secret. */
  secrets: readonly (string | Uint8Array)[];
}

/** The webhook-signature header value: `v1,<base64 sig>` per secret, space-separated, in the order given. */
export function signStandardWebhook(input: SignStandardWebhookInput): string {
  if (input.secrets.length === 0) throw new InvalidSecretError('at least one secret is needed to sign');
  const seconds = unixSeconds(input.timestamp);
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`timestamp must be whole unix seconds, got ${seconds}`);
  const body = bodyBytes(input.body);
  return input.secrets.map((secret) => `v1,${signatureBytes(keyOf(secret), input.id, seconds, body).toString('base64')}`).join(' ');
}

/** Node's IncomingHttpHeaders, a plain record, or a fetch Headers object. */
export type HeaderSource = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

export type WebhookVerificationFailureReason =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_v1_signature'
  | 'signature_mismatch';

export type WebhookVerificationResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: WebhookVerificationFailureReason; message: string };

export interface VerifyStandardWebhookInput {
  headers: HeaderSource;
  body: WebhookBody;
  /** Any of these secrets may have signed (rotation). */
  secrets: readonly (string | Uint8Array)[];
  toleranceSeconds?: number;
  now?: Date;
}

/** Checks the Standard Webhooks headers against the raw body: timestamp within ±tolerance, then a constant-time match of any v1 signature with any secret. */
export function verifyStandardWebhook(input: VerifyStandardWebhookInput): WebhookVerificationResult {
  const id = headerValue(input.headers, STANDARD_WEBHOOK_HEADERS.id);
  const timestampHeader = headerValue(input.headers, STANDARD_WEBHOOK_HEADERS.timestamp);
  const signatureHeader = headerValue(input.headers, STANDARD_WEBHOOK_HEADERS.signature);
  if (id === undefined || timestampHeader === undefined || signatureHeader === undefined) {
    return { ok: false, reason: 'missing_header', message: 'webhook-id, webhook-timestamp and webhook-signature headers are all required' };
  }
  if (!/^\d{1,15}$/.test(timestampHeader)) {
    return { ok: false, reason: 'invalid_timestamp', message: `webhook-timestamp must be unix seconds, got ${JSON.stringify(timestampHeader)}` };
  }
  const timestamp = Number(timestampHeader);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (now - timestamp > tolerance) {
    return { ok: false, reason: 'timestamp_too_old', message: `webhook-timestamp is ${now - timestamp}s old, more than the ${tolerance}s tolerance` };
  }
  if (timestamp - now > tolerance) {
    return { ok: false, reason: 'timestamp_too_new', message: `webhook-timestamp is ${timestamp - now}s in the future, more than the ${tolerance}s tolerance` };
  }
  const candidates = signatureHeader
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3))
    .filter((encoded) => encoded.length > 0 && BASE64.test(encoded))
    .map((encoded) => Buffer.from(encoded, 'base64'));
  if (candidates.length === 0) {
    return { ok: false, reason: 'no_v1_signature', message: 'webhook-signature holds no "v1,<base64>" signature' };
  }
  const body = bodyBytes(input.body);
  for (const secret of input.secrets) {
    const expected = signatureBytes(keyOf(secret), id, timestamp, body);
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true, id, timestamp };
    }
  }
  return { ok: false, reason: 'signature_mismatch', message: 'no webhook-signature matches the body with any of the given secrets' };
}

/**
 * True when `signature` (a body-HMAC header value: one base64 value per live secret, comma-separated, as sent during a
 * rotation) holds the body HMAC under any of the secrets; unpadded base64 is accepted too (ModusLink's webhook docs allows it).
 */
export function verifyBodyHmac(input: { secrets: readonly (string | Uint8Array)[]; body: WebhookBody; signature: string }): boolean {
  const given = input.signature
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0 && BASE64.test(value))
    .map((value) => Buffer.from(value, 'base64'));
  if (given.length === 0) return false;
  const body = bodyBytes(input.body);
  return input.secrets.some((secret) => {
    const expected = createHmac('sha256', keyOf(secret)).update(body).digest();
    return given.some((value) => value.length === expected.length && timingSafeEqual(value, expected));
  });
}
