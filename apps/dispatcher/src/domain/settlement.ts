// What one attempt leads to: delivered, a retry after some delay, or final failure (and whether to disable the callback).
import type { ErrorClass } from '@hookmesh/contracts';
import { delayHonouringRetryAfter, nextAttemptDelay } from './retry-schedule';

/** What happened on the wire: an HTTP status, or a failure before one arrived. */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfterMs?: number | undefined }
  | { kind: 'error'; errorClass: ErrorClass };

export type Settlement =
  | { outcome: 'delivered' }
  | { outcome: 'retrying'; delayMs: number }
  | { outcome: 'failed'; disableCallback: boolean };

export interface SettleInput {
  result: AttemptResult;
  /** The attempt just made (1-based). */
  attempt: number;
  schedule: readonly number[];
  /** Cap on a Retry-After wait. */
  retryAfterMaxMs: number;
  random: () => number;
}

/** Whether a status is a success: any 2xx. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The error class of an answered attempt that did not succeed: 3xx is a redirect (never followed), the rest http_status. */
export function errorClassOfStatus(status: number): ErrorClass {
  return status >= 300 && status < 400 ? 'redirect' : 'http_status';
}

/**
 * Decides the attempt's outcome. 2xx delivers; 410 Gone fails at once and disables the callback; everything else
 * (other statuses, redirects, timeouts, resets, DNS failures, refused egress) retries on the schedule, with
 * 429/503 Retry-After honoured within bounds, until the schedule is used up.
 */
// ssrf_blocked retries like a network error rather than failing at once: the refusal is decided by what the
// name resolves to at that moment, which an operator may fix (a wrong record, split-horizon DNS); every retry
// is checked again and never connects to a refused address, and the schedule still ends in `failed`.
export function settleAttempt(input: SettleInput): Settlement {
  const { result } = input;
  if (result.kind === 'response' && isSuccessStatus(result.status)) return { outcome: 'delivered' };
  if (result.kind === 'response' && result.status === 410) return { outcome: 'failed', disableCallback: true };
  const scheduled = nextAttemptDelay(input.schedule, input.attempt, input.random);
  if (scheduled === null) return { outcome: 'failed', disableCallback: false };
  const honoursRetryAfter = result.kind === 'response' && (result.status === 429 || result.status === 503);
  const delayMs = honoursRetryAfter ? delayHonouringRetryAfter(scheduled, result.retryAfterMs, input.retryAfterMaxMs) : scheduled;
  return { outcome: 'retrying', delayMs };
}
