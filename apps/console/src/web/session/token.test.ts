import { describe, expect, it } from '@jest/globals';
import { checkToken, tokenFromFragment } from './token';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.c2lnbmF0dXJl`;
const now = Date.parse('2026-06-01T12:00:00Z');

describe('checkToken', () => {
  it('reads the account, the scopes and the expiry of a JWT', () => {
    const result = checkToken(jwt({ account: 'acme', scope: 'callbacks:read deliveries:read', exp: now / 1000 + 60 }), now);
    expect(result).toEqual({ ok: true, claims: { account: 'acme', scopes: ['callbacks:read', 'deliveries:read'], expiresAt: now + 60_000 } });
  });

  it('tolerates the spaces and line breaks of a pasted token', () => {
    expect(checkToken(`  ${jwt({ account: 'acme' })}\n`, now).ok).toBe(true);
  });

  it('says plainly that an expired token has expired', () => {
    const result = checkToken(jwt({ account: 'acme', exp: now / 1000 - 1 }), now);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^That token expired .+\. Ask for a new portal link or token\.$/);
  });

  it('refuses what is not a JWT, and a token without an account (an operator token)', () => {
    expect(checkToken('hello', now)).toMatchObject({ ok: false, reason: expect.stringContaining('That is not a token') });
    expect(checkToken('a.b!.c', now).ok).toBe(false);
    expect(checkToken(jwt({ scope: 'admin' }), now)).toMatchObject({ ok: false, reason: expect.stringContaining('names no account') });
    expect(checkToken(jwt({ account: 'admin' }), now).ok).toBe(false);
  });
});

describe('tokenFromFragment', () => {
  it('takes the token of a portal link fragment', () => {
    expect(tokenFromFragment('#token=a.b.c')).toBe('a.b.c');
    expect(tokenFromFragment('#foo=1&token=a.b.c')).toBe('a.b.c');
    expect(tokenFromFragment('')).toBeUndefined();
    expect(tokenFromFragment('#token=')).toBeUndefined();
  });
});
