// Whole-app behaviour that needs its own service: Postgres outage, the development switch, rate limiting.
import type { CallbackWithSecret } from '@hookmesh/contracts';
import { freePort } from '@hookmesh/testing';
import { call, problemCodes, startTestService, type TestService } from './test-support';

describe('with Postgres unreachable', () => {
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    const port = await freePort();
    svc = await startTestService({ label: 'pgdown', databaseUrl: `postgres://postgres@127.0.0.1:${port}/nowhere` });
    token = await svc.token('acme');
  });
  afterAll(() => svc?.close());

  it('stays alive but not ready', async () => {
    expect((await call(`${svc.url}/healthz`)).status).toBe(200);
    const ready = await call(`${svc.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(ready.body).toMatchObject({ checks: { postgres: { ok: false }, nats: { ok: true } } });
  });

  it('answers API calls with 503 and Retry-After instead of a 500', async () => {
    const requests: Array<[string, string, unknown]> = [
      ['GET', '/callbacks', undefined],
      ['POST', '/callbacks', [{ url: 'https://x.example.com/hook', message_type: 'orderEvent', api_version: '1.0' }]],
      ['DELETE', '/callbacks', ['0191d7a0-0000-7000-8000-000000000000']],
      ['POST', '/callback_holds', { message_type: 'orderEvent' }],
    ];
    for (const [method, path, json] of requests) {
      const res = await call(`${svc.api('acme')}${path}`, { method, token, json });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body).toMatchObject({ type: 'urn:hookmesh:problem:unavailable', status: 503 });
    }
  });

  it('still validates before touching the database', async () => {
    const res = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: [{ url: 'http://x.example.com', message_type: 'orderEvent', api_version: '1.0' }] });
    expect(res.status).toBe(400);
  });
});

describe('with HOOKMESH_ALLOW_PRIVATE_TARGETS on (development)', () => {
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'devtargets', allowPrivateTargets: true, rateLimit: { ratePerSecond: 1, burst: 12 } });
    token = await svc.token('acme');
  });
  afterAll(() => svc?.close());

  const create = (url: string) => call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: [{ url, message_type: 'orderEvent', api_version: '1.0' }] });

  it('allows http and https to loopback and private targets', async () => {
    for (const url of ['http://127.0.0.1:3005/hook', 'http://loopback.example.test/hook', 'https://private.example.test/hook', 'http://[::1]:8080/hook']) {
      const res = await create(url);
      expect(res.status).toBe(201);
      expect((res.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!.url).toBe(url);
    }
  });

  it('still refuses http to public hosts, and link-local metadata addresses', async () => {
    expect(problemCodes(await create('http://api.clienturl.com/webhook'))).toEqual(['0.url https_required']);
    expect(problemCodes(await create('https://169.254.169.254/latest'))).toEqual(['0.url non_public_address']);
    expect(problemCodes(await create('https://metadata.example.test/'))).toEqual(['0.url non_public_address']);
  });

  it('answers 429 with Retry-After once a caller exceeds its rate limit', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let n = 0; n < 20; n += 1) {
      const res = await call(`${svc.api('acme')}/event_types`, { token });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
