import { afterEach, describe, expect, it } from '@jest/globals';
import { methodNotAllowed } from './method-not-allowed';
import { startTestApp, type TestApp } from './test-support';

describe('methodNotAllowed', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const table = [
    { method: 'post', path: '/{account}/api/v1/events' },
    { method: 'get', path: '/{account}/api/v1/callbacks' },
    { method: 'post', path: '/{account}/api/v1/callbacks' },
    { method: 'get', path: '/healthz' },
  ] as const;

  it('answers a known path with an unknown method 405, naming the methods it takes in Allow', async () => {
    app = await startTestApp({
      routes: (express) => {
        express.post('/:account/api/v1/events', (_req, res) => void res.status(202).json({}));
        express.get('/:account/api/v1/callbacks', (_req, res) => void res.json({ callbacks: [] }));
        express.post('/:account/api/v1/callbacks', (_req, res) => void res.status(201).json({}));
        express.use(methodNotAllowed(table));
      },
    });
    const wrong = await fetch(`${app.url}/acme/api/v1/events`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await wrong.json()).toMatchObject({ status: 405, title: 'Method Not Allowed', detail: expect.stringContaining('POST') });
    const callbacks = await fetch(`${app.url}/acme/api/v1/callbacks`, { method: 'PUT' });
    expect(callbacks.status).toBe(405);
    expect(callbacks.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${app.url}/healthz`, { method: 'POST' })).headers.get('allow')).toBe('GET, HEAD');

    // The methods it takes still work, and an unknown path stays 404.
    expect((await fetch(`${app.url}/acme/api/v1/events`, { method: 'POST' })).status).toBe(202);
    expect((await fetch(`${app.url}/acme/api/v1/nothing`, { method: 'DELETE' })).status).toBe(404);
  });
});
