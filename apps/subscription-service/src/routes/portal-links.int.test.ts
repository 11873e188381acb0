// POST /admin/api/v1/portal_links against the real service: who may mint a link, what its token opens, and for how long.
import { PortalLink } from '@hookmesh/contracts';
import { decodeJwt } from 'jose';
import { call, problemCodes, startTestService, TEST_CONSOLE_URL, type TestService } from '../test-support';

describe('portal links', () => {
  let svc: TestService;
  let admin: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'portal-links' });
    admin = await svc.adminToken();
  });
  afterAll(() => svc?.close());

  const mint = (json: unknown, token = admin) => call(`${svc.adminApi}/portal_links`, { method: 'POST', token, json });
  const tokenOf = (link: PortalLink): string => new URL(link.url).hash.replace(/^#token=/, '');

  it('mints a link to the console whose token opens that account, with every scope but events:write, for an hour', async () => {
    const before = Date.now();
    const res = await mint({ account: 'acme' });
    expect(res.status).toBe(201);
    const link = PortalLink.parse(res.body);
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(TEST_CONSOLE_URL);
    // The token travels in the fragment only: no query string, nothing a server would receive.
    expect(url.search).toBe('');
    expect(url.hash).toMatch(/^#token=[\w-]+\.[\w-]+\.[\w-]+$/);
    const token = tokenOf(link);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ account: 'acme', scope: 'callbacks:read callbacks:write deliveries:read deliveries:write', sub: 'portal:acme', minted_by: 'test-operator' });
    expect(Date.parse(link.expires_at)).toBe((claims.exp ?? 0) * 1000);
    expect((claims.exp ?? 0) * 1000 - before).toBeGreaterThan(3_590_000);
    expect((claims.exp ?? 0) * 1000 - before).toBeLessThanOrEqual(3_601_000);

    expect((await call(`${svc.api('acme')}/callbacks`, { token })).status).toBe(200);
    const created = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: [{ url: 'https://example.com/hook', message_type: 'orderEvent', api_version: '1.0' }] });
    expect(created.status).toBe(201);
    expect((await call(`${svc.api('globex')}/callbacks`, { token })).status).toBe(403);
  });

  it('narrows the scopes and the lifetime when asked', async () => {
    const res = await mint({ account: 'acme', scopes: ['deliveries:read'], ttl_seconds: 120 });
    expect(res.status).toBe(201);
    const link = PortalLink.parse(res.body);
    const claims = decodeJwt(tokenOf(link));
    expect(claims.scope).toBe('deliveries:read');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    expect((await call(`${svc.api('acme')}/callbacks`, { token: tokenOf(link) })).status).toBe(403);
  });

  it('refuses a lifetime beyond the installation’s bound, the operator scope, the reserved account and unknown fields', async () => {
    expect(problemCodes(await mint({ account: 'acme', ttl_seconds: 2 * 86_400 }))).toEqual(['ttl_seconds too_big']);
    expect(problemCodes(await mint({ account: 'acme', ttl_seconds: 10 }))).toEqual(['ttl_seconds too_small']);
    expect((await mint({ account: 'acme', scopes: ['admin'] })).status).toBe(400);
    expect((await mint({ account: 'acme', scopes: [] })).status).toBe(400);
    expect((await mint({ account: 'admin' })).status).toBe(400);
    expect((await mint({ account: 'acme', token: 'x' })).status).toBe(400);
    expect((await mint({})).status).toBe(400);
  });

  it('is for operators only', async () => {
    expect((await call(`${svc.adminApi}/portal_links`, { method: 'POST', json: { account: 'acme' } })).status).toBe(401);
    const account = await mint({ account: 'acme' }, await svc.token('acme'));
    expect(account.status).toBe(403);
    expect(account.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('portal links where tokens come from an identity provider (JWKS)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ label: 'portal-jwks', portalLinks: { consoleUrl: TEST_CONSOLE_URL, token: undefined } });
  });
  afterAll(() => svc?.close());

  it('answers 501 and says where such tokens come from', async () => {
    const res = await call(`${svc.adminApi}/portal_links`, { method: 'POST', token: await svc.adminToken(), json: { account: 'acme' } });
    expect(res.status).toBe(501);
    expect((res.body as { detail: string }).detail).toMatch(/HOOKMESH_JWKS_URL.*identity provider/);
  });
});
