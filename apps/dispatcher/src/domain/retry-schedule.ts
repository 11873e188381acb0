// When the next attempt of a delivery is due: HOOKMESH_RETRY_SCHEDULE with ±20% jitter, and Retry-After within bounds.

/** Spread of the jitter around each scheduled delay: ±20%, so retries of a burst do not arrive in lockstep. */
export const RETRY_JITTER = 0.2;

/**
 * The delay before attempt `attempt + 1`, given that `attempt` attempts were made (0 = before the first one):
 * `schedule[attempt]` scaled by a factor in [0.8, 1.2] drawn from `random` (a source in [0, 1)); a zero entry
 * stays zero, so a schedule starting with 0 attempts at once. Null once the schedule is used up.
 */
export function nextAttemptDelay(schedule: readonly number[], attempt: number, random: () => number): number | null {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= schedule.length) return null;
  const base = schedule[attempt]!;
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * unit));
}

/**
 * Honours a Retry-After (429/503) without letting an endpoint stall a delivery for ever: the wait is at least
 * the scheduled delay, at least the requested one, but never more than `maxMs` on account of the header.
 */
export function delayHonouringRetryAfter(scheduledMs: number, retryAfterMs: number | undefined, maxMs: number): number {
  if (retryAfterMs === undefined) return scheduledMs;
  return Math.max(scheduledMs, Math.min(retryAfterMs, maxMs));
}
