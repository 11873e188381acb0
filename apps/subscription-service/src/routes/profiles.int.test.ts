// Wire profiles against real Postgres and NATS: the operator's profile API, and callbacks choosing a profile,
// signing and timeouts.
import { CallbackState, ProfileState, openSecret, type CallbackWithSecret, type Profile } from '@hookmesh/contracts';
import { call, problemCodes, startTestService, type TestService } from '../test-support';

const custom = {
  body: 'data',
  headers: { event: 'X-Shop-Topic', attempt: 'X-Shop-Attempt', delivery: 'X-Shop-Delivery' },
  body_signature: { header: 'X-Shop-Signature', encoding: 'hex', prefix: 'sha256=' },
  standard_webhooks: false,
  secret_format: 'plain',
  signing: 'required',
  user_agent: 'Shop-Webhooks/3.1',
  retry_schedule: '0,30s,5m',
  timeout_ms: 15_000,
};

describe('wire profiles', () => {
  let svc: TestService;
  let admin: string;
  let acme: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'profiles', deliveryTimeoutMs: 20_000 });
    admin = await svc.adminToken();
    acme = await svc.token('acme');
  });
  afterAll(() => svc?.close());

  const profileUrl = (name: string) => `${svc.adminApi}/profiles/${name}`;
  const kvProfile = async (name: string) => {
    const entry = await svc.kv.get(svc.names.kv.profileKey(name));
    return entry === null || entry.operation !== 'PUT' ? null : ProfileState.parse(entry.json());
  };
  const kvCallback = async (id: string) => CallbackState.parse((await svc.kv.get(svc.names.kv.callbackKey('acme', id)))!.json());
  const create = (items: unknown[]) => call(`${svc.api('acme')}/callbacks`, { method: 'POST', token: acme, json: items });
  const item = (extra: Record<string, unknown> = {}) => ({ url: 'https://hooks.example.com/x', message_type: 'orderEvent', api_version: '1.0', ...extra });

  it('lists the four built-in profiles to operators, and to nobody else', async () => {
    expect((await call(`${svc.adminApi}/profiles`, { token: acme })).status).toBe(403);
    const res = await call(`${svc.adminApi}/profiles`, { token: admin });
    expect(res.status).toBe(200);
    const profiles = (res.body as { profiles: Profile[] }).profiles;
    expect(profiles.map((profile) => [profile.name, profile.builtin, profile.body])).toEqual([
      ['standard', true, 'envelope'],
      ['masonhub', true, 'envelope'],
      ['moduslink', true, 'thin'],
      ['malomo', true, 'data'],
    ]);
    expect(profiles[0]!.headers.event).toBe('X-Hookmesh-Event');
  });

  it('defines a profile (201), replaces it (200, version 2), and a repeat changes nothing; the state carries it at once', async () => {
    const created = await call(profileUrl('shop'), { method: 'PUT', token: admin, json: custom });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'shop', builtin: false, version: 1, ...custom });
    expect(await kvProfile('shop')).toMatchObject({ name: 'shop', version: 1, profile: custom });
    const replaced = await call(profileUrl('shop'), { method: 'PUT', token: admin, json: { ...custom, user_agent: 'Shop-Webhooks/3.2' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, user_agent: 'Shop-Webhooks/3.2' });
    const again = await call(profileUrl('shop'), { method: 'PUT', token: admin, json: { ...custom, user_agent: 'Shop-Webhooks/3.2' } });
    expect(again.body).toMatchObject({ version: 2 });
    expect((await kvProfile('shop'))?.version).toBe(2);
  });

  it.each([
    ['a built-in name', 'malomo', custom, 409, []],
    ['a bad name', 'Shop!', custom, 400, ['name invalid_format']],
    ['a header name that is not a token', 'bad1', { ...custom, headers: { event: 'X Topic' } }, 400, ['headers.event invalid_format']],
    ['a header colliding with content-type', 'bad2', { ...custom, headers: { event: 'content-type' } }, 400, ['headers.event custom']],
    ['a signature header equal to another header', 'bad3', { ...custom, body_signature: { header: 'x-shop-topic', encoding: 'hex' } }, 400, ['body_signature.header custom']],
    ['Standard Webhooks with plain secrets', 'bad4', { ...custom, standard_webhooks: true }, 400, ['secret_format custom']],
    ['an unknown body', 'bad5', { ...custom, body: 'xml' }, 400, ['body invalid_value']],
    ['a timeout of an hour', 'bad6', { ...custom, timeout_ms: 3_600_000 }, 400, ['timeout_ms too_big']],
  ])('refuses %s and stores nothing', async (_what, name, body, status, codes) => {
    const res = await call(profileUrl(name), { method: 'PUT', token: admin, json: body });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    if (codes.length > 0) expect(problemCodes(res)).toEqual(codes);
    if (/^[a-z]/.test(name) && status === 400) expect(await kvProfile(name)).toBeNull();
  });

  it('creates callbacks in a profile with a secret of its format, unsigned where signing is optional', async () => {
    const res = await create([item({ profile: 'malomo', signed: false }), item({ profile: 'moduslink' }), item(), item({ profile: 'shop', retry_schedule: '0,1m' })]);
    expect(res.status).toBe(201);
    const [malomo, moduslink, standard, shop] = (res.body as { callbacks: CallbackWithSecret[] }).callbacks;
    expect(malomo).toMatchObject({ profile: 'malomo', signed: false });
    expect(malomo!.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(moduslink!.secret).not.toMatch(/^whsec_/);
    expect(standard).toMatchObject({ profile: 'standard', signed: true });
    expect(standard!.secret).toMatch(/^whsec_/);
    expect(shop).toMatchObject({ profile: 'shop', retry_schedule: '0,1m' });
    const state = await kvCallback(malomo!.id);
    expect(state).toMatchObject({ profile: 'malomo', signed: false });
    expect(state.secrets[0]?.format).toBe('plain');
    expect(openSecret(state.secrets[0]!.secret, svc.keys)).toBe(malomo!.secret);
  });

  it('refuses an unknown profile, signed:false under required signing and a timeout past the installation\'s, naming each', async () => {
    const res = await create([item({ profile: 'nope' }), item({ signed: false }), item({ profile: 'masonhub', timeout_ms: 25_000 }), item({ retry_schedule: '0,soon' })]);
    expect(res.status).toBe(400);
    expect(problemCodes(res)).toEqual(['0.profile unknown_profile', '1.signed signing_required', '2.timeout_ms too_big', '3.retry_schedule custom']);
  });

  it('moves a callback to a profile of another secret format with a new secret shown once, and refuses an unsigned standard one', async () => {
    const created = await create([item()]);
    const callback = (created.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
    const unsigned = await call(`${svc.api('acme')}/callbacks/${callback.id}`, { method: 'PATCH', token: acme, json: { signed: false } });
    expect(unsigned.status).toBe(400);
    expect(problemCodes(unsigned)).toEqual(['signed signing_required']);
    const moved = await call(`${svc.api('acme')}/callbacks/${callback.id}`, { method: 'PATCH', token: acme, json: { profile: 'malomo', signed: false, timeout_ms: 5_000 } });
    expect(moved.status).toBe(200);
    const body = moved.body as CallbackWithSecret;
    expect(body).toMatchObject({ profile: 'malomo', signed: false, timeout_ms: 5_000 });
    expect(body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = await kvCallback(callback.id);
    expect(state.secrets).toHaveLength(1);
    expect(openSecret(state.secrets[0]!.secret, svc.keys)).toBe(body.secret);
    // Same format again: the secret stays, and no new one is shown.
    const same = await call(`${svc.api('acme')}/callbacks/${callback.id}`, { method: 'PATCH', token: acme, json: { profile: 'moduslink', signed: true } });
    expect(same.body).not.toHaveProperty('secret');
    const rotated = await call(`${svc.api('acme')}/callbacks/${callback.id}/rotate_secret`, { method: 'POST', token: acme, json: { overlap_seconds: 60 } });
    expect((rotated.body as { secret: string }).secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await kvCallback(callback.id)).secrets.map((entry) => entry.format)).toEqual(['plain', 'plain']);
  });

  it('refuses to delete a profile a callback uses (409), and deletes it once none does', async () => {
    const res = await call(profileUrl('shop'), { method: 'DELETE', token: admin });
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toMatch(/used by 1 callback/);
    const listed = await call(`${svc.api('acme')}/callbacks`, { token: acme });
    const shop = (listed.body as { callbacks: Array<{ id: string; profile: string }> }).callbacks.find((callback) => callback.profile === 'shop')!;
    expect((await call(`${svc.api('acme')}/callbacks/${shop.id}`, { method: 'PATCH', token: acme, json: { profile: 'standard' } })).status).toBe(200);
    expect((await call(profileUrl('shop'), { method: 'DELETE', token: admin })).status).toBe(200);
    expect(await kvProfile('shop')).toBeNull();
    expect((await call(profileUrl('shop'), { method: 'DELETE', token: admin })).status).toBe(404);
    expect((await call(profileUrl('standard'), { method: 'DELETE', token: admin })).status).toBe(409);
  });
});
