// What the console reads from a bearer token without verifying it (the services verify every call): the account
// it opens, the scopes it may use and when it expires. The token arrives pasted or in a portal link's fragment.
import type { Scope } from '@hookmesh/contracts';

export interface TokenClaims {
  account: string;
  scopes: readonly string[];
  /** Expiry in epoch milliseconds, if the token carries one. */
  expiresAt: number | null;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function decodeSegment(segment: string): unknown {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Reads and checks a token's claims: a JWT naming an account, not expired at `now`. */
export function checkToken(token: string, now: number): TokenCheck {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    return { ok: false, reason: 'That is not a token: paste the whole token (three parts separated by dots) or open your portal link again.' };
  }
  let payload: unknown;
  try {
    payload = decodeSegment(parts[1]!);
  } catch {
    return { ok: false, reason: 'That token cannot be read: paste it again, without spaces or line breaks.' };
  }
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'That token carries no claims.' };
  const claims = payload as Record<string, unknown>;
  const account = claims['account'];
  if (typeof account !== 'string' || !ACCOUNT.test(account) || account === 'admin') {
    return { ok: false, reason: 'That token names no account. The console opens one account: use a portal link or a token made for an account.' };
  }
  const exp = claims['exp'];
  const expiresAt = typeof exp === 'number' ? exp * 1000 : null;
  if (expiresAt !== null && expiresAt <= now) {
    return { ok: false, reason: `That token expired ${new Date(expiresAt).toLocaleString()}. Ask for a new portal link or token.` };
  }
  const scope = claims['scope'];
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((item) => item.length > 0) : [];
  return { ok: true, claims: { account, scopes, expiresAt } };
}

/** The token of a portal link's fragment ("#token=<jwt>"), if there is one. */
export function tokenFromFragment(hash: string): string | undefined {
  if (!hash.startsWith('#')) return undefined;
  const token = new URLSearchParams(hash.slice(1)).get('token');
  return token === null || token === '' ? undefined : token;
}

/** Whether the token's scopes allow an action (the service decides; this only greys out what would be refused). */
export function mayUse(claims: TokenClaims, scope: Scope): boolean {
  return claims.scopes.includes(scope);
}
