// Whether a message id names an event so new that audit may not have recorded it yet: message ids are UUIDv7, whose
// first 48 bits are the creation time in milliseconds.

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The creation time of a UUIDv7 in ms since the epoch, or undefined for anything else. */
export function uuidV7Time(id: string): number | undefined {
  if (!UUID_V7.test(id)) return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * True when `id` was minted within `graceMs` before `now` (or a little after, allowing for clock skew between
 * hosts): a receiver that follows a thin body's link straight away may be faster than audit's consumer.
 */
export function isTooRecentToBeAudited(id: string, now: Date, graceMs: number): boolean {
  const minted = uuidV7Time(id);
  if (minted === undefined) return false;
  const age = now.getTime() - minted;
  return age >= -5_000 && age <= graceMs;
}
