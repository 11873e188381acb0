// How long a delivery that cannot go out now waits before JetStream offers it again.
import type { HoldState } from '@hookmesh/contracts';
import { MIN_IN_LINE_WINDOW_MS } from './turns';

/** Shortest nak delay: JetStream treats 0 as "redeliver at once", which would be a hot loop. */
export const MIN_WAIT_MS = 10;

/** Milliseconds until `notBefore` (an ISO time), or 0 when it is absent or past. */
export function millisUntil(notBefore: string | undefined, now: Date): number {
  if (notBefore === undefined) return 0;
  return Math.max(0, Date.parse(notBefore) - now.getTime());
}

/**
 * How long a WAITING message still waits, from its not-before header (NOT_BEFORE_HEADER: epoch ms), or undefined
 * when it is due, or the header is missing or not a time (then the task itself decides).
 */
export function notDueFor(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  const wait = Number(header) - nowMs;
  return wait > 0 ? Math.max(MIN_WAIT_MS, wait) : undefined;
}

/** A held delivery looks again after `recheckMs`, or as soon as the hold expires if that is sooner. */
export function holdRecheckDelay(hold: Pick<HoldState, 'expires_at'>, now: Date, recheckMs: number): number {
  const untilExpiry = hold.expires_at === null ? Infinity : Date.parse(hold.expires_at) - now.getTime();
  return Math.max(MIN_WAIT_MS, Math.min(recheckMs, untilExpiry));
}

/**
 * When a task turned away with its turn near looks again: about its turn (at least a fast endpoint's short line,
 * MIN_IN_LINE_WINDOW_MS) when that is estimated, else after the whole recheck. Never later than the recheck.
 */
export function recheckDelayMs(turnInMs: number | undefined, busyRecheckMs: number): number {
  if (turnInMs === undefined) return busyRecheckMs;
  return Math.min(busyRecheckMs, Math.max(MIN_IN_LINE_WINDOW_MS, turnInMs));
}

/** A delay around `baseMs` (±50%), so tasks turned away together do not all come back together. */
export function spreadDelay(baseMs: number, random: () => number): number {
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.max(MIN_WAIT_MS, Math.round(baseMs * (0.5 + unit)));
}
