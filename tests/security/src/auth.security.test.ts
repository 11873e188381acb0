// Authentication and account isolation on every route of the three public APIs, against a platform that checks
// issuer and audience; then a scan of everything the platform printed or answered for the secrets it handled.
import { auditRoutes, ingestRoutes, subscriptionRoutes, eventTypes, type RouteDefinition } from '@hookmesh/contracts';
import { ALL_SCOPES, signDevToken } from '@hookmesh/http';
import { call, dispatcherViewHolds, postEvent, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type ServiceName, type TestReceiver } from '@hookmesh/testing';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { SecretRegistry, auditAnswers, findLeaks } from './support/leaks';
import { ALL_HEALTHY, healthOfAll, problemViolations, send } from './support/probe';
import { openStateReader, type StateReader } from './support/state';

const ISSUER = 'https://auth.hookmesh.test/';
const AUDIENCE = 'hookmesh-api';
const SECRET = randomBytes(32).toString('base64url');
const A = 'alpha';
const B = 'bravo';
const orderData = (eventTypes.orderEvent.example as { data: unknown }).data;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token this platform accepts: right secret, issuer, audience; every scope unless told otherwise. */
const goodToken = (account: string, scopes: readonly string[] = ALL_SCOPES) => signDevToken({ secret: SECRET, account, scopes, issuer: ISSUER, audience: AUDIENCE });

type AuthCase = { name: string; status: 401 | 403; header: (route: RouteDefinition) => Promise<string | undefined> };

/** Every way a bearer token can be wrong, with the status the design requires for it. */
function authCases(): AuthCase[] {
  const claims = (account: string) => ({ account, scope: ALL_SCOPES.join(' '), sub: `dev:${account}`, iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600 });
  const hs = async (payload: Record<string, unknown>, alg = 'HS256', secret = SECRET) => new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
  const bearer = async (token: Promise<string>) => `Bearer ${await token}`;
  return [
    { name: 'no Authorization header', status: 401, header: async () => undefined },
    { name: 'empty bearer', status: 401, header: async () => 'Bearer ' },
    { name: 'not a JWT', status: 401, header: async () => 'Bearer not-a-token' },
    { name: 'Basic credentials', status: 401, header: async () => `Basic ${Buffer.from('alpha:password').toString('base64')}` },
    { name: 'token without the Bearer scheme', status: 401, header: () => goodToken(A) },
    { name: 'two tokens', status: 401, header: async () => `Bearer ${await goodToken(A)} ${await goodToken(A)}` },
    { name: 'payload tampered (other account, same signature)', status: 401, header: async () => { const [h, , s] = (await goodToken(B)).split('.'); return `Bearer ${h}.${b64(claims(A))}.${s}`; } },
    { name: 'signature stripped', status: 401, header: async () => { const [h, p] = (await goodToken(A)).split('.'); return `Bearer ${h}.${p}.`; } },
    { name: 'alg none', status: 401, header: async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(A))}.` },
    { name: 'alg none with a fake signature', status: 401, header: async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(A))}.c2ln` },
    { name: 'alg HS512 with the right secret', status: 401, header: () => bearer(hs(claims(A), 'HS512')) },
    { name: 'wrong secret', status: 401, header: () => bearer(signDevToken({ secret: randomBytes(32).toString('base64url'), account: A, issuer: ISSUER, audience: AUDIENCE })) },
    { name: 'expired', status: 401, header: () => bearer(signDevToken({ secret: SECRET, account: A, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: -60 })) },
    { name: 'not yet valid (nbf in an hour)', status: 401, header: () => bearer(hs({ ...claims(A), nbf: nowSeconds() + 3600 })) },
    { name: 'no exp claim', status: 401, header: () => bearer(hs({ ...claims(A), exp: undefined })) },
    { name: 'wrong issuer', status: 401, header: () => bearer(signDevToken({ secret: SECRET, account: A, issuer: 'https://evil.test/', audience: AUDIENCE })) },
    { name: 'no issuer', status: 401, header: () => bearer(signDevToken({ secret: SECRET, account: A, audience: AUDIENCE })) },
    { name: 'wrong audience', status: 401, header: () => bearer(signDevToken({ secret: SECRET, account: A, issuer: ISSUER, audience: 'another-api' })) },
    { name: 'no audience', status: 401, header: () => bearer(signDevToken({ secret: SECRET, account: A, issuer: ISSUER })) },
    // A valid token without an account is an operator's: it opens no account, and without the admin scope no operator route.
    { name: 'no account claim', status: 403, header: () => bearer(hs({ ...claims(A), account: undefined })) },
    { name: 'the reserved account "admin"', status: 401, header: () => bearer(hs({ ...claims('admin'), scope: `${ALL_SCOPES.join(' ')} admin` })) },
    { name: 'valid for a year (past the lifetime bound)', status: 401, header: () => bearer(hs({ ...claims(A), exp: nowSeconds() + 365 * 86_400 })) },
    { name: 'issued in the future', status: 401, header: () => bearer(hs({ ...claims(A), iat: nowSeconds() + 3_600, exp: nowSeconds() + 7_200 })) },
    { name: 'an operator token (admin, no account) on an account route', status: 403, header: (route) => (route.scope === 'admin' ? bearer(goodToken(A, [])) : bearer(hs({ ...claims(A), account: undefined, scope: 'admin' }))) },
    { name: 'token of another account', status: 403, header: () => bearer(goodToken(B)) },
    { name: 'account claim differing in case', status: 403, header: () => bearer(goodToken('ALPHA')) },
    { name: 'no scopes', status: 403, header: () => bearer(goodToken(A, [])) },
    { name: 'every scope but the route\'s', status: 403, header: (route) => bearer(goodToken(A, ALL_SCOPES.filter((scope) => scope !== route.scope))) },
    { name: 'scope as a look-alike string', status: 403, header: (route) => bearer(goodToken(A, [`${route.scope ?? ''}x`, `x${route.scope ?? ''}`])) },
  ];
}

/** The route's path with its parameters filled in for `account`. */
function fillPath(route: RouteDefinition, account: string, ids: Record<string, string>): string {
  return route.path.replace(/\{([a-z_]+)\}/g, (_match, name: string) => (name === 'account' ? account : encodeURIComponent(ids[name] ?? 'x')));
}

/** A body the route would accept, so only the token decides the answer. */
function validBody(route: RouteDefinition, ids: Record<string, string>): unknown {
  switch (route.operationId) {
    case 'createCallbacks':
      return [{ url: 'http://127.0.0.1:9/never', message_type: 'orderEvent', api_version: '1.0' }];
    case 'deleteCallbacks':
      return [ids['id']];
    case 'patchCallback':
      return { status: 'disabled' };
    case 'rotateCallbackSecret':
      return { overlap_seconds: 0 };
    case 'createHold':
      return { message_type: 'qualityEvent' };
    case 'ingestEvents':
      return { message_type: 'orderEvent', data: orderData };
    case 'recoverCallback':
      return { since: '2020-01-01T00:00:00Z' };
    case 'adminPutEventType':
      return { schema: { type: 'object' }, example: {} };
    default:
      return undefined;
  }
}

describe('authentication and account isolation', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let state: StateReader;
  const secrets = new SecretRegistry();
  const ids: Record<string, string> = {};
  const figures: Record<string, number> = {};
  const apiRoutes: readonly RouteDefinition[] = [...subscriptionRoutes, ...ingestRoutes, ...auditRoutes];

  beforeAll(async () => {
    receiver = await startReceiver((request) => ({ status: request.path === '/broken' ? 500 : 200, body: 'ok' }));
    platform = await startPlatform({ label: 'auth', env: { HOOKMESH_JWT_SECRET: SECRET, HOOKMESH_JWT_ISSUER: ISSUER, HOOKMESH_JWT_AUDIENCE: AUDIENCE } });
    // The harness signs with its own secret; this platform trusts only SECRET with issuer and audience.
    const harnessToken = platform.token;
    secrets.add('bearer token', await harnessToken(A));
    platform = { ...platform, token: async (account, scopes) => { const token = await goodToken(account, scopes ?? ALL_SCOPES); secrets.add('bearer token', token); return token; } };
    state = await openStateReader(platform);

    // Account A gets everything a route can address: callbacks with tokens, a hold, a delivered and a failed delivery.
    const callbacks = await registerCallbacks(platform, A, [
      { url: receiver.url('/orders'), message_type: 'orderEvent', token: 'alpha-callback-token-0001' },
      { url: receiver.url('/broken'), message_type: 'skuInventoryChange', token: 'alpha-callback-token-0002' },
    ]);
    secrets.add('callback token', 'alpha-callback-token-0001', 'alpha-callback-token-0002');
    secrets.add('whsec secret', ...callbacks.map((callback) => callback.secret));
    ids['id'] = callbacks[0]!.id;
    ids['broken'] = callbacks[1]!.id;
    const rotated = await call<{ secret: string }>(platform, 'subscription-service', A, 'POST', `/callbacks/${ids['id']}/rotate_secret`, { overlap_seconds: 3600 });
    expect(rotated.status).toBe(200);
    secrets.add('whsec secret', rotated.body.secret);
    const hold = await call(platform, 'subscription-service', A, 'POST', '/callback_holds', { message_type: 'rmaEvent', reason: 'alpha maintenance' });
    expect(hold.status).toBe(201);
    ids['message_type'] = 'rmaEvent';
    await dispatcherViewHolds(platform, { callbacks: 2, holds: 1 });
    ids['message_id'] = await postEvent(platform, A, 'orderEvent', orderData);
    ids['failed_message'] = await postEvent(platform, A, 'skuInventoryChange', (eventTypes.skuInventoryChange.example as { data: unknown }).data);
    const delivered = await waitFor(
      async () => (await call<{ deliveries: Array<{ id: string; status: string }> }>(platform, 'audit', A, 'GET', `/messages/${ids['message_id']}`)).body?.deliveries?.find((d) => d.status === 'delivered'),
      { timeoutMs: 30_000, label: 'alpha event delivered' },
    ).catch((error: unknown) => {
      // What the services said is the only clue when the setup itself times out.
      throw new Error(`${String(error)}\n--- dispatcher\n${platform.output('dispatcher').slice(-4000)}\n--- audit\n${platform.output('audit').slice(-2000)}`);
    });
    ids['delivery_id'] = delivered.id;
    const failed = await waitFor(
      async () => (await call<{ deliveries: Array<{ id: string; status: string }> }>(platform, 'audit', A, 'GET', `/messages/${ids['failed_message']}`)).body?.deliveries?.find((d) => d.status === 'failed'),
      { timeoutMs: 30_000, label: 'alpha event failed after its retries' },
    );
    ids['failed_delivery'] = failed.id;
  }, 180_000);

  afterAll(async () => {
    process.stdout.write(`\nsecurity figures (auth): ${JSON.stringify(figures)}\n`);
    await state?.close();
    await platform?.stop();
    await receiver?.close();
  });

  it('answers every bad or foreign token with 401/403 problem+json on every route of the three APIs, and changes nothing', async () => {
    const before = await state.settled([A, B]);
    const cases = authCases();
    const failures: string[] = [];
    let requests = 0;
    for (const route of apiRoutes) {
      for (const authCase of cases) {
        const header = await authCase.header(route);
        if (header !== undefined) secrets.add('bearer token', ...header.split(' ').filter((part) => part.includes('.')));
        const body = validBody(route, ids);
        const answer = await send(`${platform.urls[route.service]}${fillPath(route, A, ids)}`, {
          method: route.method.toUpperCase(),
          headers: { ...(header === undefined ? {} : { authorization: header }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        requests += 1;
        const problems = problemViolations(answer, [authCase.status]);
        if (authCase.status === 401 && !(answer.headers.get('www-authenticate') ?? '').startsWith('Bearer')) problems.push('no WWW-Authenticate: Bearer challenge');
        if (problems.length > 0) failures.push(`${route.operationId} / ${authCase.name}: ${problems.join(', ')}`);
      }
    }
    figures['auth cases'] = cases.length;
    figures['routes'] = apiRoutes.length;
    figures['auth requests'] = requests;
    expect(apiRoutes.length).toBe(30);
    expect(apiRoutes.filter((route) => route.scope === 'admin')).toHaveLength(11);
    expect(failures).toEqual([]);
    expect(await healthOfAll(platform)).toEqual(ALL_HEALTHY);
    expect(await state.snapshot([A, B])).toEqual(before);
  });

  it('opens the operator API to admin tokens only, and an admin token opens no account', async () => {
    const admin = `Bearer ${await new SignJWT({ scope: 'admin', sub: 'ops', iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))}`;
    secrets.add('bearer token', admin.slice(7));
    const operatorApi = `${platform.urls['subscription-service']}/admin/api/v1`;
    const listed = await send(`${operatorApi}/event_types`, { method: 'GET', headers: { authorization: admin } });
    expect(listed.status).toBe(200);
    const accountRoutes = apiRoutes.filter((route) => route.scope !== 'admin' && route.scope !== null);
    for (const route of accountRoutes) {
      const body = validBody(route, ids);
      const answer = await send(`${platform.urls[route.service]}${fillPath(route, A, ids)}`, {
        method: route.method.toUpperCase(),
        headers: { authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect([route.operationId, problemViolations(answer, [403])]).toEqual([route.operationId, []]);
    }
    // The account path "admin" is the operator API's, never a tenant's, whatever the token says.
    for (const path of ['/admin/api/v1/callbacks', '/admin/api/v1/callback_holds']) {
      expect(problemViolations(await send(`${platform.urls['subscription-service']}${path}`, { method: 'GET', headers: { authorization: admin } }), [404])).toEqual([]);
    }
    expect(problemViolations(await send(`${platform.urls['event-ingest']}/admin/api/v1/events`, { method: 'POST', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ message_type: 'orderEvent', data: orderData }) }), [404])).toEqual([]);
  });

  it('shows account B none of account A\'s data on any route, and leaves A\'s data intact', async () => {
    const before = await state.settled([A, B]);
    const as = async (service: ServiceName, method: string, path: string, body?: unknown) => {
      const token = await platform.token(B);
      return send(`${platform.api(service, B)}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    };
    const notFound = [
      await as('subscription-service', 'GET', `/callbacks/${ids['id']}`),
      await as('subscription-service', 'PATCH', `/callbacks/${ids['id']}`, { status: 'disabled' }),
      await as('subscription-service', 'PATCH', `/callbacks/${ids['id']}`, { url: receiver.url('/stolen') }),
      await as('subscription-service', 'POST', `/callbacks/${ids['id']}/rotate_secret`, {}),
      await as('subscription-service', 'POST', `/callbacks/${ids['id']}/test`),
      await as('subscription-service', 'DELETE', `/callback_holds/${ids['message_type']}`),
      await as('audit', 'GET', `/deliveries/${ids['delivery_id']}`),
      await as('audit', 'GET', `/deliveries/${ids['failed_delivery']}`),
      await as('audit', 'GET', `/messages/${ids['message_id']}`),
      await as('audit', 'POST', `/deliveries/${ids['delivery_id']}/redeliver`),
      await as('audit', 'POST', `/deliveries/${ids['failed_delivery']}/redeliver`),
    ];
    expect(notFound.map((answer) => problemViolations(answer, [404]))).toEqual(notFound.map(() => []));

    const deleted = await as('subscription-service', 'DELETE', '/callbacks', [ids['id'], ids['broken']]);
    expect(deleted.json).toEqual({ deleted: [], not_found: [ids['id'], ids['broken']] });
    expect((await as('subscription-service', 'GET', '/callbacks?message_type=all')).json).toEqual({ callbacks: [], next_cursor: null });
    expect((await as('subscription-service', 'GET', '/callbacks?message_type=orderEvent')).json).toEqual({ callbacks: [], next_cursor: null });
    expect((await as('subscription-service', 'GET', '/callback_holds')).json).toEqual({ holds: [] });
    expect((await as('audit', 'GET', '/deliveries')).json).toEqual({ deliveries: [], next_cursor: null });
    expect((await as('audit', 'GET', `/deliveries?callback_id=${ids['broken']}`)).json).toEqual({ deliveries: [], next_cursor: null });
    const recovered = await as('audit', 'POST', `/callbacks/${ids['broken']}/recover`, { since: '2020-01-01T00:00:00Z' });
    expect([recovered.status, recovered.json]).toEqual([202, { count: 0 }]);
    const stats = (await as('audit', 'GET', '/stats?since=2020-01-01T00:00:00Z')).json as { by_message_type: unknown[]; by_callback: unknown[] };
    expect(stats.by_message_type).toEqual([]);
    expect(stats.by_callback).toEqual([]);
    for (const answer of [deleted, recovered]) expect(answer.text).not.toContain(A);

    // B's own event of A's type reaches none of A's callbacks.
    const requestsBefore = receiver.requests.length;
    const foreign = await as('event-ingest', 'POST', '/events', { message_type: 'orderEvent', data: orderData });
    expect(foreign.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.length).toBe(requestsBefore);

    const after = await state.settled([A, B]);
    expect(after.accounts[A]).toEqual(before.accounts[A]);
    expect(after.accounts[B]).toEqual({ callbacks: [], holds: [], deliveries: [] });
    expect(after.streams[`${platform.prefix}DELIVERIES`]).toBe(before.streams[`${platform.prefix}DELIVERIES`]);
    figures['isolation checks'] = notFound.length + 9;
  });

  it('never prints or answers a signing secret, callback token or bearer token (logs, audit answers, errors, /metrics)', async () => {
    const { leaks, places } = await findLeaks(platform, secrets, await auditAnswers(platform, A));
    figures['secrets checked'] = secrets.size;
    figures['places scanned'] = places;
    // 3 whsec secrets (one rotated), 2 callback tokens, and the bearer tokens of every case above.
    expect(secrets.size).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
  });
});
