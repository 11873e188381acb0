// How a stored callback looks to the API and to the dispatcher, and how secrets rotate.
import { callbackHealth, type Callback, type CallbackState, type CircuitRecord, type SealedSecretEntry, type ThrottleRecord } from '@hookmesh/contracts';
import type { CallbackRow } from '../storage/callbacks.table';

/**
 * Most secrets signing at once (the current one and those still in a rotation overlap). Each live secret adds a
 * signature to every delivery, so a burst of rotations keeps only the newest; the oldest stop signing early.
 */
export const MAX_LIVE_SECRETS = 5;

/** What the dispatchers share about each callback (its circuit, its rate limit), as far as this service has read it. */
export interface CircuitView {
  /** False until the circuit records were read once (just started, NATS unreachable). */
  loaded(): boolean;
  recordOf(account: string, callbackId: string): CircuitRecord | undefined;
  /** When a dispatcher last held a delivery back at the callback's rate limit. */
  throttleOf?(account: string, callbackId: string): ThrottleRecord | undefined;
}

/** A throttle this recent means deliveries are waiting on the limit now (dispatchers renew it while they hold some back). */
export const THROTTLE_FRESH_MS = 5_000;

function rateLimitedOf(row: CallbackRow, circuits: CircuitView | undefined, now: Date): Pick<Callback, 'rate_limited'> {
  if (row.rate_limit === null || circuits?.throttleOf === undefined) return {};
  const throttle = circuits.throttleOf(row.account, row.id);
  return { rate_limited: throttle !== undefined && now.getTime() - Date.parse(throttle.at) < THROTTLE_FRESH_MS };
}

/** health and health_detail: from the status alone when disabled, else from the circuit record once it is known. */
function healthOf(row: CallbackRow, circuits: CircuitView | undefined): Pick<Callback, 'health' | 'health_detail'> {
  if (row.status === 'disabled') return callbackHealth('disabled', undefined);
  if (circuits === undefined || !circuits.loaded()) return {};
  return callbackHealth(row.status, circuits.recordOf(row.account, row.id));
}

/** The public representation of a callback: no token, no secrets; its health where known. */
export function callbackResponse(row: CallbackRow, circuits?: CircuitView, now: Date = new Date()): Callback {
  return {
    id: row.id,
    url: row.url,
    message_type: row.message_type,
    api_version: row.api_version,
    status: row.status,
    profile: row.profile,
    signed: row.signed,
    ...(row.retry_schedule === null ? {} : { retry_schedule: row.retry_schedule }),
    timeout_ms: row.timeout_ms,
    ordered: row.ordered,
    rate_limit: row.rate_limit,
    ...rateLimitedOf(row, circuits, now),
    ...healthOf(row, circuits),
    disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Whether a secret entry still signs at `now`. */
export function secretIsLive(entry: SealedSecretEntry, now: Date): boolean {
  return entry.expires_at === undefined || Date.parse(entry.expires_at) > now.getTime();
}

/** The KV value the dispatcher delivers with: sealed token and every secret that still signs at `now`. */
export function callbackState(row: CallbackRow, now: Date): CallbackState {
  return {
    id: row.id,
    account: row.account,
    url: row.url,
    message_type: row.message_type,
    api_version: row.api_version,
    status: row.status,
    ...(row.token !== null ? { token: row.token } : {}),
    secrets: row.secrets.filter((entry) => secretIsLive(entry, now)),
    ...(row.timeout_ms !== null ? { timeout_ms: row.timeout_ms } : {}),
    profile: row.profile,
    signed: row.signed,
    ...(row.retry_schedule !== null ? { retry_schedule: row.retry_schedule } : {}),
    ...(row.ordered && row.ordered_from_seq !== null ? { ordered: true, ordered_from_seq: Number(row.ordered_from_seq) } : {}),
    ...(row.rate_limit !== null ? { rate_limit: row.rate_limit } : {}),
    ...(row.message_types !== null ? { message_types: row.message_types } : {}),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface RotatedSecrets {
  secrets: SealedSecretEntry[];
  /** When the previously current secret stops signing; null when it stopped at once. */
  previousExpiresAt: string | null;
}

/**
 * Puts `fresh` first as the current secret; the previous current one keeps signing for `overlapSeconds`
 * (dropped at once for 0), older overlapping ones keep their own end, expired ones go.
 */
export function rotateSecrets(entries: readonly SealedSecretEntry[], fresh: SealedSecretEntry, now: Date, overlapSeconds: number): RotatedSecrets {
  const previousExpiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null;
  const kept = entries
    .map((entry): SealedSecretEntry | undefined => {
      if (entry.expires_at === undefined) return previousExpiresAt === null ? undefined : { ...entry, expires_at: previousExpiresAt };
      return secretIsLive(entry, now) ? entry : undefined;
    })
    .filter((entry): entry is SealedSecretEntry => entry !== undefined);
  return { secrets: [fresh, ...kept].slice(0, MAX_LIVE_SECRETS), previousExpiresAt };
}

/** The entries still signing at `now` (the pruner drops the rest). */
export function liveSecrets(entries: readonly SealedSecretEntry[], now: Date): SealedSecretEntry[] {
  return entries.filter((entry) => secretIsLive(entry, now));
}
