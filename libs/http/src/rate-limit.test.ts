import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireAuth, createTokenVerifier, signDevToken } from './auth';
import { createTokenBuckets, rateLimit } from './rate-limit';
import { startTestApp, type TestApp } from './test-support';

describe('createTokenBuckets', () => {
  it('allows a burst, then refills at the configured rate', () => {
    let now = 0;
    const buckets = createTokenBuckets({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, true]);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 499;
    expect(buckets.take('a').allowed).toBe(false);
    now = 500;
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const buckets = createTokenBuckets({ ratePerSecond: 0.1, burst: 1, now: () => 0 });
    buckets.take('a');
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('forgets the least recently used caller beyond maxKeys', () => {
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1, now: () => 0, maxKeys: 2 });
    buckets.take('a');
    buckets.take('b');
    buckets.take('c');
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('c').allowed).toBe(false);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => createTokenBuckets({ ratePerSecond: 0, burst: 1 })).toThrow(/ratePerSecond/);
  });
});

describe('rateLimit middleware', () => {
  const secret = 'rate-limit-secret-that-is-32-bytes-long!';
  let app: TestApp;

  beforeAll(async () => {
    const verifier = createTokenVerifier({ secret });
    app = await startTestApp({
      routes: (express) => {
        express.get('/:account/api/v1/events', requireAuth(verifier), rateLimit({ ratePerSecond: 0.5, burst: 2 }), (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  afterAll(() => app.close());

  it('answers 429 with Retry-After once a subject spends its burst, without affecting other subjects', async () => {
    const alice = await signDevToken({ secret, account: 'acme', subject: 'alice' });
    const bob = await signDevToken({ secret, account: 'acme', subject: 'bob' });
    const call = (token: string): Promise<Response> =>
      fetch(`${app.url}/acme/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call(alice)).status).toBe(200);
    expect((await call(alice)).status).toBe(200);
    const limited = await call(alice);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect((await call(bob)).status).toBe(200);
  });
});
