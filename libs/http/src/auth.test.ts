import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Router, type Express } from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { authOf, createTokenVerifier, operatorOf, requireAdmin, requireAuth, requireScope, signDevToken, type TokenVerifier } from './auth';
import { Unauthorized, Unavailable } from './errors';
import { startTestApp, type TestApp } from './test-support';

const SECRET = 'test-secret-that-is-at-least-32-bytes-long';

function mountApi(verifier: TokenVerifier): (app: Express) => void {
  return (app) => {
    const api = Router({ mergeParams: true });
    api.get('/callbacks', requireScope('callbacks:read'), (_req, res) => {
      res.json({ auth: authOf(res) });
    });
    api.post('/callbacks', requireScope('callbacks:write'), (_req, res) => {
      res.status(201).json({ ok: true });
    });
    app.use('/:account/api/v1', requireAuth(verifier), api);
  };
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer auth with an HS256 secret', () => {
  let app: TestApp;
  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${app.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    app = await startTestApp({ routes: mountApi(createTokenVerifier({ secret: SECRET })) });
  });
  afterAll(() => app.close());

  it('lets a valid token through and exposes account, subject and scopes', async () => {
    const token = await signDevToken({ secret: SECRET, account: 'acme', subject: 'user-1' });
    const res = await get('/acme/api/v1/callbacks', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      auth: {
        account: 'acme',
        subject: 'user-1',
        scopes: ['callbacks:read', 'callbacks:write', 'events:write', 'deliveries:read', 'deliveries:write'],
      },
    });
  });

  it('answers a request without a token with 401 and a Bearer challenge', async () => {
    const res = await get('/acme/api/v1/callbacks');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers a malformed Authorization header with 401', async () => {
    for (const header of ['Bearer', 'Bearer not-a-jwt', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c']) {
      const res = await fetch(`${app.url}/acme/api/v1/callbacks`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('answers an expired token with 401', async () => {
    const token = await signDevToken({ secret: SECRET, account: 'acme', ttlSeconds: -60 });
    const res = await get('/acme/api/v1/callbacks', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/expired/);
  });

  it('answers a token signed with another secret with 401', async () => {
    const token = await signDevToken({ secret: 'another-secret-that-is-also-32-bytes-long', account: 'acme' });
    expect((await get('/acme/api/v1/callbacks', token)).status).toBe(401);
  });

  it('answers an alg "none" token with 401 naming the refused algorithm', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ account: 'acme', scope: 'callbacks:read', exp })}.`;
    const res = await get('/acme/api/v1/callbacks', unsigned);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toBe('The token\'s algorithm "none" is not accepted; use HS256.');
  });

  it('answers a valid token without an account claim with 403: it opens no account', async () => {
    const token = await new SignJWT({ scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    const res = await get('/acme/api/v1/callbacks', token);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/no account claim/);
  });

  it('answers an account claim that is not a string with 401', async () => {
    const token = await new SignJWT({ account: 42, scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    expect((await get('/acme/api/v1/callbacks', token)).status).toBe(401);
  });

  it('refuses the reserved account "admin" in a token (401) and in a path (404)', async () => {
    const forged = await new SignJWT({ account: 'admin', scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    const byToken = await get('/acme/api/v1/callbacks', forged);
    expect(byToken.status).toBe(401);
    expect(((await byToken.json()) as { detail: string }).detail).toMatch(/reserved/);
    const byPath = await get('/admin/api/v1/callbacks', forged);
    expect(byPath.status).toBe(404);
    await expect(signDevToken({ secret: SECRET, account: 'admin' })).rejects.toThrow(/reserved/);
  });

  it('answers an operator token on an account route with 403, unless it also carries that account', async () => {
    const operator = await signDevToken({ secret: SECRET, scopes: ['admin'] });
    expect((await get('/acme/api/v1/callbacks', operator)).status).toBe(403);
    const operatorOfAcme = await signDevToken({ secret: SECRET, account: 'acme', scopes: ['admin', 'callbacks:read'] });
    expect((await get('/acme/api/v1/callbacks', operatorOfAcme)).status).toBe(200);
    const adminScopeOnly = await signDevToken({ secret: SECRET, account: 'acme', scopes: ['admin'] });
    expect((await get('/acme/api/v1/callbacks', adminScopeOnly)).status).toBe(403);
  });

  it('refuses a token that lives longer than the bound, and one issued in the future', async () => {
    const tooLong = await signDevToken({ secret: SECRET, account: 'acme', ttlSeconds: 400 * 86_400 });
    const long = await get('/acme/api/v1/callbacks', tooLong);
    expect(long.status).toBe(401);
    expect(((await long.json()) as { detail: string }).detail).toMatch(/at most 86400 seconds/);
    const now = Math.floor(Date.now() / 1000);
    const noIatFarExp = await new SignJWT({ account: 'acme', scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(253402300799)
      .sign(new TextEncoder().encode(SECRET));
    expect((await get('/acme/api/v1/callbacks', noIatFarExp)).status).toBe(401);
    const future = await new SignJWT({ account: 'acme', scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now + 86_400)
      .setExpirationTime(now + 86_400 + 600)
      .sign(new TextEncoder().encode(SECRET));
    const early = await get('/acme/api/v1/callbacks', future);
    expect(early.status).toBe(401);
    expect(((await early.json()) as { detail: string }).detail).toMatch(/issued in the future/);
  });

  it('answers a token without exp with 401', async () => {
    const token = await new SignJWT({ account: 'acme', scope: 'callbacks:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    expect((await get('/acme/api/v1/callbacks', token)).status).toBe(401);
  });

  it('answers a token for another account with 403', async () => {
    const token = await signDevToken({ secret: SECRET, account: 'other' });
    const res = await get('/acme/api/v1/callbacks', token);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it('answers a token missing the route scope with 403 naming the scope', async () => {
    const token = await signDevToken({ secret: SECRET, account: 'acme', scopes: ['callbacks:read'] });
    const res = await fetch(`${app.url}/acme/api/v1/callbacks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '[]',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('callbacks:write');
    expect(res.headers.get('www-authenticate')).toContain('scope="callbacks:write"');
  });

  it('accepts the scope claim as an array', async () => {
    const token = await new SignJWT({ account: 'acme', scope: ['callbacks:read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    const res = await get('/acme/api/v1/callbacks', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ auth: { scopes: ['callbacks:read'], subject: 'acme' } });
  });
});

describe('operator routes (requireAdmin)', () => {
  let app: TestApp;
  const get = (token?: string): Promise<Response> =>
    fetch(`${app.url}/admin/api/v1/event_types`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    app = await startTestApp({
      routes: (express) => {
        express.get('/admin/api/v1/event_types', requireAdmin(verifier), (_req, res) => {
          res.json({ operator: operatorOf(res) });
        });
      },
    });
  });
  afterAll(() => app.close());

  it('lets a token with the admin scope through, with or without an account claim', async () => {
    const bare = await signDevToken({ secret: SECRET, scopes: ['admin'], subject: 'ops' });
    const res = await get(bare);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ operator: { subject: 'ops', scopes: ['admin'] } });
    const withAccount = await signDevToken({ secret: SECRET, account: 'acme', scopes: ['admin'] });
    expect((await get(withAccount)).status).toBe(200);
  });

  it('answers an account token with 403 naming the admin scope, and no token with 401', async () => {
    const account = await signDevToken({ secret: SECRET, account: 'acme' });
    const res = await get(account);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('scope="admin"');
    expect((await get()).status).toBe(401);
  });
});

describe('createTokenVerifier', () => {
  it('rejects alg "none" even with a signature segment present', async () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = `${base64url({ alg: 'none' })}.${base64url({ account: 'acme', exp })}.c2ln`;
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(Unauthorized);
  });

  it('checks issuer and audience when configured', async () => {
    const verifier = createTokenVerifier({ secret: SECRET, issuer: 'https://issuer.example', audience: 'hookmesh' });
    const good = await signDevToken({ secret: SECRET, account: 'acme', issuer: 'https://issuer.example', audience: 'hookmesh' });
    const wrongAudience = await signDevToken({ secret: SECRET, account: 'acme', issuer: 'https://issuer.example', audience: 'other' });
    await expect(verifier.verify(good)).resolves.toMatchObject({ account: 'acme' });
    await expect(verifier.verify(wrongAudience)).rejects.toBeInstanceOf(Unauthorized);
  });

  it('refuses a short secret and a configuration with both or neither key source', () => {
    expect(() => createTokenVerifier({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => createTokenVerifier({})).toThrow(/exactly one/);
    expect(() => createTokenVerifier({ secret: SECRET, jwksUrl: 'http://127.0.0.1:1/jwks' })).toThrow(/exactly one/);
  });
});

describe('bearer auth with a JWKS (ES256)', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let app: TestApp;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    app = await startTestApp({ routes: mountApi(createTokenVerifier({ jwksUrl })) });
  });
  afterAll(async () => {
    await app.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  const es256Token = (claims: Record<string, unknown>): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).setSubject('svc').setExpirationTime('5m').sign(privateKey);

  it('accepts a token signed by a key from the JWKS', async () => {
    const token = await es256Token({ account: 'acme', scope: 'callbacks:read' });
    const res = await fetch(`${app.url}/acme/api/v1/callbacks`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ auth: { account: 'acme', subject: 'svc', scopes: ['callbacks:read'] } });
  });

  it('rejects an HS256 token when verifying through a JWKS', async () => {
    const token = await signDevToken({ secret: SECRET, account: 'acme' });
    const res = await fetch(`${app.url}/acme/api/v1/callbacks`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('rejects a token signed by a key outside the JWKS', async () => {
    const stranger = await generateKeyPair('ES256');
    const token = await new SignJWT({ account: 'acme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    const res = await fetch(`${app.url}/acme/api/v1/callbacks`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('reports an unreachable JWKS as 503, not as a bad token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const verifier = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks` });
    const token = await es256Token({ account: 'acme' });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(Unavailable);
  });
});
