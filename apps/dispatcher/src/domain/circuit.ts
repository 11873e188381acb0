// A callback's circuit, as pure steps over its shared record: failures in a row open it, a cool-down later one
// probe goes through, a success closes it, and a long unbroken failure asks for the callback to be disabled.
import type { CircuitRecord } from '@hookmesh/contracts';

export interface CircuitSettings {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** How long an open circuit refuses attempts before letting one probe through. */
  cooldownMs: number;
  /** Unbroken failure after which the callback is disabled. */
  disableAfterMs: number;
}

/** Whether an attempt may go out now. `probe`: the one attempt after a cool-down, which must be claimed first. */
export type CircuitAdmission = { kind: 'closed' } | { kind: 'open'; retryInMs: number } | { kind: 'probe' };

/** How long a probe may stay out before another may go (its worker may have died). */
export function probeLeaseMs(settings: Pick<CircuitSettings, 'cooldownMs'>): number {
  return settings.cooldownMs;
}

/** What the circuit says about an attempt at `now` (from a record read moments ago). */
export function circuitAdmission(record: CircuitRecord | undefined, now: number, settings: Pick<CircuitSettings, 'cooldownMs'>): CircuitAdmission {
  if (record?.closes_at == null) return { kind: 'closed' };
  const closesAt = Date.parse(record.closes_at);
  if (now < closesAt) return { kind: 'open', retryInMs: closesAt - now };
  if (record.probe_started_at !== null) {
    const probeEnds = Date.parse(record.probe_started_at) + probeLeaseMs(settings);
    // Another replica's probe is out: look again a little later (not a whole cool-down).
    if (now < probeEnds) return { kind: 'open', retryInMs: Math.max(10, Math.min(1_000, probeEnds - now)) };
  }
  return { kind: 'probe' };
}

/** The record with a probe claimed at `now`. */
export function withProbe(record: CircuitRecord, now: number): CircuitRecord {
  return { ...record, probe_started_at: new Date(now).toISOString(), updated_at: new Date(now).toISOString() };
}

/** The record with a claimed probe given back (its attempt did not go out). */
export function withoutProbe(record: CircuitRecord, now: number): CircuitRecord {
  return { ...record, probe_started_at: null, updated_at: new Date(now).toISOString() };
}

export interface FailureFacts {
  statusCode: number | null;
  error: string | null;
}

/** What a failed attempt changes: the new record, whether this failure opened the circuit, whether to disable. */
export interface AfterFailure {
  record: CircuitRecord;
  opened: boolean;
  disable: boolean;
}

/** Counts a failed attempt into the record (a fresh one for a callback that was healthy). */
export function afterFailure(
  previous: CircuitRecord | undefined,
  callback: { account: string; callbackId: string },
  facts: FailureFacts,
  now: number,
  settings: CircuitSettings,
): AfterFailure {
  const at = new Date(now).toISOString();
  const failures = (previous?.consecutive_failures ?? 0) + 1;
  const failingSince = previous?.failing_since ?? at;
  const opens = failures >= settings.threshold;
  const record: CircuitRecord = {
    account: callback.account,
    callback_id: callback.callbackId,
    consecutive_failures: failures,
    failing_since: failingSince,
    // Every failure at or past the threshold (a failed probe included) starts a new cool-down.
    opened_at: opens ? (previous?.opened_at ?? at) : null,
    closes_at: opens ? new Date(now + settings.cooldownMs).toISOString() : null,
    probe_started_at: null,
    last_status_code: facts.statusCode,
    last_error: facts.error === null ? null : facts.error.slice(0, 500),
    updated_at: at,
  };
  return { record, opened: opens && previous?.closes_at == null, disable: now - Date.parse(failingSince) >= settings.disableAfterMs };
}
