// Opens a callback's sealed token and its live signing secrets at attempt time (never stored opened).
import { openSecret, type CallbackState, type SealingKey } from '@hookmesh/contracts';

export interface CallbackCredentials {
  /** The verification token sent in the body (seed 000), when the callback has one. */
  token: string | undefined;
  /** Live secrets, newest first: the first signs the body HMAC, all of them sign webhook-signature. */
  secrets: string[];
}

/**
 * Opens the token and every secret not yet expired at `now` (a rotated-out secret keeps signing until its
 * expires_at). The newest secret has no expiry, so at least one is always live; should a state ever list
 * only expired ones, the newest still signs rather than sending an unsigned request.
 */
export function openCallbackCredentials(callback: Pick<CallbackState, 'token' | 'secrets'>, keys: readonly SealingKey[], now: Date): CallbackCredentials {
  const live = callback.secrets.filter((entry) => entry.expires_at === undefined || Date.parse(entry.expires_at) > now.getTime());
  const signing = live.length > 0 ? live : callback.secrets.slice(0, 1);
  return {
    token: callback.token === undefined ? undefined : openSecret(callback.token, keys),
    secrets: signing.map((entry) => openSecret(entry.secret, keys)),
  };
}
