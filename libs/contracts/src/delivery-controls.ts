// Delivery controls a callback can ask for: order per key, a rate limit. Their wire shapes and the pure rules both
// ingest and the dispatcher apply (where an event's key comes from, which subject it is stored on).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { resolvePointer, type EventTypeMapping } from './events/mapping';

export const MAX_ORDERING_KEY_LENGTH = 128;

/** An event's ordering key: deliveries of one key to an ordered callback are attempted in ingest order. */
export const OrderingKey = z
  .string({ error: 'ordering_key must be a string' })
  .min(1, 'ordering_key must not be empty')
  .max(MAX_ORDERING_KEY_LENGTH, `ordering_key must be at most ${MAX_ORDERING_KEY_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'ordering_key must not contain control characters');
export type OrderingKey = z.infer<typeof OrderingKey>;

/** The installation's default ceiling of a callback's rate limit (HOOKMESH_MAX_RATE_PER_SECOND). */
export const DEFAULT_MAX_RATE_PER_SECOND = 1000;

/** At most this many attempts per clock second, or per clock minute; deliveries above it wait. */
export const RateLimit = z.union(
  [
    z.strictObject({ per_second: z.number({ error: 'per_second must be a number' }).int('per_second must be an integer').positive('per_second must be at least 1') }),
    z.strictObject({ per_minute: z.number({ error: 'per_minute must be a number' }).int('per_minute must be an integer').positive('per_minute must be at least 1') }),
  ],
  { error: 'rate_limit must be {"per_second": n} or {"per_minute": n}' },
);
export type RateLimit = z.infer<typeof RateLimit>;

/** The clock window a limit counts in and how many attempts it allows in one. */
export function rateWindowOf(limit: RateLimit): { windowMs: number; allowed: number } {
  return 'per_second' in limit ? { windowMs: 1_000, allowed: limit.per_second } : { windowMs: 60_000, allowed: limit.per_minute };
}

/** Why a limit is refused against the installation's ceiling (per second; per minute up to 60 times it); null when it fits. */
export function rateLimitBreach(limit: RateLimit, maxPerSecond: number): string | null {
  if ('per_second' in limit) return limit.per_second > maxPerSecond ? `rate_limit.per_second must be at most ${maxPerSecond} (HOOKMESH_MAX_RATE_PER_SECOND)` : null;
  return limit.per_minute > maxPerSecond * 60 ? `rate_limit.per_minute must be at most ${maxPerSecond * 60} (60 × HOOKMESH_MAX_RATE_PER_SECOND)` : null;
}

export type OrderingKeyResolution =
  | { kind: 'key'; key: string; from: 'event' | 'type' }
  | { kind: 'none' }
  | { kind: 'invalid'; path: string; message: string };

/**
 * The event's ordering key: an explicit `ordering_key` beats the type's pointer. The pointer's value must be a
 * non-empty string of at most 128 characters; a missing value means no key (the event is delivered unordered).
 */
export function resolveOrderingKey(explicit: string | undefined, data: unknown, mapping: Pick<EventTypeMapping, 'ordering_key'> | undefined): OrderingKeyResolution {
  if (explicit !== undefined) return { kind: 'key', key: explicit, from: 'event' };
  const pointer = mapping?.ordering_key;
  if (pointer === undefined) return { kind: 'none' };
  const found = resolvePointer(data, pointer);
  if (!found.found || found.value === null) return { kind: 'none' };
  const value = found.value;
  const parsed = OrderingKey.safeParse(value);
  if (!parsed.success) {
    return { kind: 'invalid', path: `data${pointer.replace(/\//g, '.')}`, message: `the ordering key at ${pointer} (the type's ordering_key) ${parsed.error.issues[0]?.message.replace(/^ordering_key /, '') ?? 'is invalid'}` };
  }
  return { kind: 'key', key: parsed.data, from: 'type' };
}

/**
 * The subject token of an ordering key: 96 bits of its SHA-256, hex. Keys are free text (dots, spaces, unicode) and
 * subjects are not; two keys sharing a token would only be ordered together, which never breaks an order.
 */
export function orderingKeyToken(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24);
}
