import { expiryIssue, holdIsActive, holdState } from './holds';

const now = new Date('2026-01-10T12:00:00.000Z');

describe('holds', () => {
  it('holds until expires_at, and forever without one', () => {
    expect(holdIsActive({ expires_at: null }, now)).toBe(true);
    expect(holdIsActive({ expires_at: new Date('2026-01-10T12:00:00.001Z') }, now)).toBe(true);
    expect(holdIsActive({ expires_at: now }, now)).toBe(false);
  });

  it('refuses an expiry that is not in the future', () => {
    expect(expiryIssue(null, now)).toBeUndefined();
    expect(expiryIssue(new Date('2026-01-10T12:00:01.000Z'), now)).toBeUndefined();
    expect(expiryIssue(now, now)).toEqual({ path: 'expires_at', code: 'custom', message: expect.stringContaining('must be in the future') });
  });

  it('publishes the account with the hold', () => {
    const created = new Date('2026-01-09T00:00:00.000Z');
    expect(holdState({ account: 'acme', message_type: 'orderEvent', reason: null, created_at: created, expires_at: null })).toEqual({
      account: 'acme',
      message_type: 'orderEvent',
      reason: null,
      created_at: '2026-01-09T00:00:00.000Z',
      expires_at: null,
    });
  });
});
