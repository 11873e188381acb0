import { afterEach, describe, expect, it } from '@jest/globals';
import { NotFound } from './errors';
import { startTestApp, type TestApp } from './test-support';

// What every JSON answer must carry, so a response excerpt holding <script> can never be rendered as a page.
const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

function headersOf(res: Response, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, res.headers.get(name)]));
}

describe('security headers of the shared app', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('sends the JSON API headers on routes, probes, problems and unknown paths', async () => {
    app = await startTestApp({
      routes: (express) => {
        express.get('/acme/things', (_req, res) => void res.json({ excerpt: '<script>alert(1)</script>' }));
        express.get('/acme/missing', () => {
          throw new NotFound('no such thing');
        });
      },
    });
    for (const path of ['/acme/things', '/acme/missing', '/nowhere', '/healthz', '/readyz', '/metrics']) {
      const res = await fetch(`${app.url}${path}`);
      expect({ path, ...headersOf(res, Object.keys(API_HEADERS)) }).toEqual({ path, ...API_HEADERS });
    }
  });

  it('sends them on a 400 for a body that is not JSON, before any route runs', async () => {
    app = await startTestApp({ routes: (express) => void express.post('/acme/things', (_req, res) => void res.json({})) });
    const res = await fetch(`${app.url}/acme/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(res.status).toBe(400);
    expect(headersOf(res, Object.keys(API_HEADERS))).toEqual(API_HEADERS);
  });

  it('lets the OpenAPI document be cached for a while', async () => {
    app = await startTestApp({ routes: () => undefined });
    const res = await fetch(`${app.url}/openapi.json`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('takes another policy from the service (an HTML console has its own CSP and caching)', async () => {
    app = await startTestApp({
      securityHeaders: { contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'self'"], 'frame-ancestors': ['https://portal.example'] } }, frameguard: false },
      cacheControl: 'no-cache',
      routes: (express) => void express.get('/page', (_req, res) => void res.type('html').send('<p>hi</p>')),
    });
    const res = await fetch(`${app.url}/page`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self';frame-ancestors https://portal.example");
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
