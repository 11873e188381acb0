// A callback's health as customers see it (GET /callbacks), derived from its status and its shared circuit record.
import { z } from 'zod';
import type { CircuitRecord } from './messages';
import { IsoDateTime } from './primitives';

export const HealthState = z.enum(['healthy', 'failing', 'circuit_open', 'disabled']);
export type HealthState = z.infer<typeof HealthState>;

export const CallbackHealth = z.object({
  state: HealthState,
  /** Since when every attempt failed (failing, circuit_open). */
  failing_since: IsoDateTime.optional(),
  /** When an open circuit lets its next attempt through. */
  circuit_closes_at: IsoDateTime.optional(),
  /** Failed attempts in a row. */
  consecutive_failures: z.number().int().optional(),
  last_status_code: z.number().int().nullable().optional(),
  last_error: z.string().nullable().optional(),
});
export type CallbackHealth = z.infer<typeof CallbackHealth>;

/** Reads a callback's health at `now`: disabled beats everything; an open circuit until it closes; any other record is failing. */
export function callbackHealth(status: 'active' | 'disabled', record: CircuitRecord | undefined, now: Date): CallbackHealth {
  if (status === 'disabled') return { state: 'disabled' };
  if (record === undefined) return { state: 'healthy' };
  const open = record.closes_at !== null && now.getTime() < Date.parse(record.closes_at);
  return {
    state: open ? 'circuit_open' : 'failing',
    failing_since: record.failing_since,
    ...(open && record.closes_at !== null ? { circuit_closes_at: record.closes_at } : {}),
    consecutive_failures: record.consecutive_failures,
    last_status_code: record.last_status_code,
    last_error: record.last_error,
  };
}
