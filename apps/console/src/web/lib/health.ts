// A callback's health (GET /callbacks) in words: the state, and what stands behind a failing or open circuit.
import type { Callback } from '@hookmesh/contracts';
import { formatTime } from './format';

export const HEALTH_LABELS = { healthy: 'Healthy', failing: 'Failing', circuit_open: 'Circuit open', disabled: 'Disabled' } as const;

/** The state's label, or a dash while the service does not know it yet. */
export function healthLabel(callback: Pick<Callback, 'health'>): string {
  return callback.health === undefined ? '—' : HEALTH_LABELS[callback.health];
}

/** One sentence on why it is failing, when it closes, why it is disabled; empty when healthy or unknown. */
export function healthExplanation(callback: Pick<Callback, 'health' | 'health_detail' | 'disabled_reason'>): string {
  if (callback.health === 'disabled') return callback.disabled_reason ? `Disabled: ${callback.disabled_reason}.` : 'Disabled.';
  const detail = callback.health_detail;
  if (detail === undefined) return '';
  const last = detail.last_status_code !== null ? `last answer ${detail.last_status_code}` : detail.last_error ? `last error: ${detail.last_error}` : 'no answer';
  const run = `${detail.consecutive_failures} failed attempt${detail.consecutive_failures === 1 ? '' : 's'} in a row since ${formatTime(detail.failing_since)}, ${last}`;
  if (callback.health === 'circuit_open' && detail.circuit_closes_at !== undefined) {
    return `${run}. Deliveries wait; the next attempt goes at ${formatTime(detail.circuit_closes_at)}.`;
  }
  return `${run}.`;
}
