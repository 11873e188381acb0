import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireAuth, createTokenVerifier, signDevToken } from './auth';
import { accountKey, createTokenBuckets, rateLimit, refuseWhenExhausted } from './rate-limit';
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

  it('charges a cost: a batch of 500 takes 500 tokens, and is refused whole when fewer are left', () => {
    let now = 0;
    const buckets = createTokenBuckets({ ratePerSecond: 100, burst: 600, now: () => now });
    expect(buckets.take('a', 500)).toEqual({ allowed: true, remaining: 100 });
    expect(buckets.take('a', 500)).toEqual({ allowed: false, retryAfterSeconds: 4 });
    expect(buckets.take('a', 100)).toEqual({ allowed: true, remaining: 0 });
    now = 5_000;
    expect(buckets.take('a', 500).allowed).toBe(true);
  });

  it('takes spends reported by other replicas off the same bucket, below zero if need be', () => {
    let now = 0;
    const buckets = createTokenBuckets({ ratePerSecond: 10, burst: 10, now: () => now });
    buckets.spend('a', 25);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    now = 1_500;
    expect(buckets.take('a').allowed).toBe(false);
    now = 1_600;
    expect(buckets.take('a').allowed).toBe(true);
  });

  it('checks without taking', () => {
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 2, now: () => 0 });
    expect(buckets.check('a', 2)).toEqual({ allowed: true, remaining: 0 });
    expect(buckets.check('a', 3)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take('a', 2).allowed).toBe(true);
    expect(buckets.check('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
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
    const limiter = createTokenBuckets({ ratePerSecond: 0.5, burst: 2 });
    const events = createTokenBuckets({ ratePerSecond: 0.5, burst: 10 });
    app = await startTestApp({
      routes: (express) => {
        express.get('/:account/api/v1/things', requireAuth(verifier), rateLimit({ limiter }), (_req, res) => {
          res.json({ ok: true });
        });
        express.post('/:account/api/v1/events', requireAuth(verifier), rateLimit({ limiter: events, key: accountKey, cost: (req) => (Array.isArray(req.body) ? req.body.length : 1) }), (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  afterAll(() => app.close());

  it('answers 429 with Retry-After once an account spends its burst, whatever subject its tokens name', async () => {
    const alice = await signDevToken({ secret, account: 'acme', subject: 'alice' });
    const bob = await signDevToken({ secret, account: 'acme', subject: 'bob' });
    const other = await signDevToken({ secret, account: 'globex', subject: 'alice' });
    const call = (token: string): Promise<Response> => fetch(`${app.url}/${token === other ? 'globex' : 'acme'}/api/v1/things`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call(alice)).status).toBe(200);
    expect((await call(bob)).status).toBe(200);
    const limited = await call(alice);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    // A fresh subject on every request is the same account.
    expect((await call(await signDevToken({ secret, account: 'acme', subject: `fresh-${Date.now()}` }))).status).toBe(429);
    expect((await call(other)).status).toBe(200);
  });

  it('charges the cost of each request: a batch of 8 leaves room for 2 single events, not for another batch', async () => {
    const token = await signDevToken({ secret, account: 'batcher' });
    const post = (body: unknown): Promise<Response> =>
      fetch(`${app.url}/batcher/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(Array.from({ length: 8 }, () => ({})))).status).toBe(200);
    expect((await post(Array.from({ length: 3 }, () => ({})))).status).toBe(429);
    expect((await post({})).status).toBe(200);
    expect((await post({})).status).toBe(200);
    expect((await post({})).status).toBe(429);
  });
});

describe('refuseWhenExhausted before the body is read', () => {
  const secret = 'rate-limit-secret-that-is-32-bytes-long!';
  let app: TestApp;
  const limiter = createTokenBuckets({ ratePerSecond: 0.01, burst: 5 });

  beforeAll(async () => {
    const verifier = createTokenVerifier({ secret });
    app = await startTestApp({
      beforeBody: (express) => {
        express.post('/:account/api/v1/events', requireAuth(verifier), refuseWhenExhausted({ limiter }));
      },
      routes: (express) => {
        express.post('/:account/api/v1/events', rateLimit({ limiter, cost: (req) => (Array.isArray(req.body) ? req.body.length : 1) }), (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  afterAll(() => app.close());

  it('answers 429 to an account with nothing left without parsing its body (malformed JSON is not even seen)', async () => {
    const token = await signDevToken({ secret, account: 'spent' });
    const post = (body: string): Promise<Response> =>
      fetch(`${app.url}/spent/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    expect((await post('{"a":')).status).toBe(400);
    expect((await post(JSON.stringify([1, 2, 3, 4, 5]))).status).toBe(200);
    const refused = await post('{"a":');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
