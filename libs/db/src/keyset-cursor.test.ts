import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  it('round-trips the exact created_at (microseconds) and id', () => {
    const cursor = { createdAt: '2026-01-01T00:00:00.123456Z', id: '1f0e6a52-4b1e-5c3d-9e8f-0a1b2c3d4e5f' };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['the wrong shape', Buffer.from(JSON.stringify({ created_at: 'x' })).toString('base64url')],
    ['an id that is not a UUID', Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', 'x'])).toString('base64url')],
  ])('refuses %s', (_what, text) => {
    expect(decodeCursor(text)).toBeNull();
  });
});
