// A callback's health as customers see it (GET /callbacks), derived from its status and its shared circuit record.
import { z } from 'zod';
import type { CircuitRecord } from './messages';
import { IsoDateTime } from './primitives';

export const HealthState = z.enum(['healthy', 'failing', 'circuit_open', 'disabled']);
export type HealthState = z.infer<typeof HealthState>;

/** What stands behind a `failing` or `circuit_open` health. */
export const CallbackHealthDetail = z.object({
  /** Since when every attempt failed. */
  failing_since: IsoDateTime,
  /** When an open circuit lets its next attempt (the probe) through (circuit_open only; past while the probe is out). */
  circuit_closes_at: IsoDateTime.optional(),
  /** Failed attempts in a row. */
  consecutive_failures: z.number().int().nonnegative(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
});
export type CallbackHealthDetail = z.infer<typeof CallbackHealthDetail>;

export interface CallbackHealth {
  health: HealthState;
  health_detail?: CallbackHealthDetail;
}

/**
 * A callback's health: disabled beats everything; an open circuit stays open (half-open while its probe is out)
 * until a delivered attempt closes it; any other failure record is failing. No record: healthy.
 */
export function callbackHealth(status: 'active' | 'disabled', record: CircuitRecord | undefined): CallbackHealth {
  if (status === 'disabled') return { health: 'disabled' };
  if (record === undefined) return { health: 'healthy' };
  const open = record.opened_at !== null;
  return {
    health: open ? 'circuit_open' : 'failing',
    health_detail: {
      failing_since: record.failing_since,
      ...(open && record.closes_at !== null ? { circuit_closes_at: record.closes_at } : {}),
      consecutive_failures: record.consecutive_failures,
      last_status_code: record.last_status_code,
      last_error: record.last_error,
    },
  };
}

/** The disabled_reason a disable records: what the dispatcher saw, or that an operator (or the customer) said so. */
export function disabledReasonOf(cause: 'gone' | 'failing' | 'operator', failingSince?: string): string {
  if (cause === 'gone') return '410 Gone';
  if (cause === 'failing') return failingSince === undefined ? 'failing' : `failing since ${failingSince}`;
  return 'operator';
}
