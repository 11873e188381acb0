// Opens a callback's sealed token and its live signing secrets for an attempt; kept opened in memory only alongside the view's state.
import { openSecret, signingKeyOf, type CallbackState, type SealingKey } from '@hookmesh/contracts';

export interface CallbackCredentials {
  /** The verification token sent in the body (MasonHub's Callback API), when the callback has one. */
  token: string | undefined;
  /** HMAC keys of the live secrets, newest first (each read in its own format): every one signs every signature header. */
  keys: Buffer[];
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
    keys: signing.map((entry) => signingKeyOf(openSecret(entry.secret, keys), entry.format ?? 'whsec')),
  };
}

/**
 * Opens each callback state's credentials once instead of on every attempt (AES-GCM per secret was ~4 % of the
 * dispatcher's CPU). Keyed by the state object the subscription view holds: an update (new URL, rotated secret,
 * disable) arrives as a new object, so the old opened copy is dropped with the old state. An entry is reopened
 * once its earliest live secret's overlap ends, so a rotated-out secret stops signing on time.
 */
export function createCredentialsCache(keys: readonly SealingKey[]): (callback: Pick<CallbackState, 'token' | 'secrets'>, now: Date) => CallbackCredentials {
  const opened = new WeakMap<object, { credentials: CallbackCredentials; validUntilMs: number }>();
  return (callback, now) => {
    const cached = opened.get(callback);
    if (cached !== undefined && now.getTime() < cached.validUntilMs) return cached.credentials;
    const credentials = openCallbackCredentials(callback, keys, now);
    const expiries = callback.secrets
      .map((entry) => (entry.expires_at === undefined ? Infinity : Date.parse(entry.expires_at)))
      .filter((expiresMs) => expiresMs > now.getTime());
    opened.set(callback, { credentials, validUntilMs: Math.min(Infinity, ...expiries) });
    return credentials;
  };
}
