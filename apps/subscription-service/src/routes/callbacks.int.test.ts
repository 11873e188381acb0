// The Callback Configuration API (the MasonHub Callback API) against real Postgres and NATS, over HTTP.
import {
  CallbackState,
  EventRecord,
  buildOpenApiDocument,
  eventTypes,
  expressPath,
  openSecret,
  routesFor,
  type Callback,
  type CallbackWithSecret,
} from '@hookmesh/contracts';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { waitFor } from '@hookmesh/testing';
import { SignJWT } from 'jose';
import pino from 'pino';
import { call, problemCodes, startTestService, TEST_JWT_SECRET, type TestService } from '../test-support';

// Seed 000's registration example.
const SEED_URL = 'https://api.clienturl.com/webhook';
const SEED_TOKEN = 'your_encrypted_verification_token';

describe('callbacks API', () => {
  let svc: TestService;
  let view: SubscriptionView;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'callbacks' });
    view = await startSubscriptionView({ kv: svc.kv, prefix: svc.prefix, log: pino({ level: 'silent' }) });
    acme = await svc.token('acme');
    globex = await svc.token('globex');
  });
  afterAll(async () => {
    await view?.stop();
    await svc?.close();
  });

  const create = (account: string, token: string, json: unknown) => call(`${svc.api(account)}/callbacks`, { method: 'POST', token, json });
  const list = async (account: string, token: string, query = ''): Promise<Callback[]> => {
    const res = await call(`${svc.api(account)}/callbacks${query}`, { token });
    expect(res.status).toBe(200);
    return (res.body as { callbacks: Callback[] }).callbacks;
  };
  const createOne = async (account: string, token: string, item: Record<string, unknown> = {}): Promise<CallbackWithSecret> => {
    const res = await create(account, token, [{ url: SEED_URL, message_type: 'orderEvent', api_version: '1.0', ...item }]);
    expect(res.status).toBe(201);
    return (res.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
  };

  describe('creating', () => {
    it('creates every callback of an array and returns each with its own whsec_ secret once', async () => {
      const res = await create('acme', acme, [
        { url: SEED_URL, message_type: 'orderEvent', api_version: '1.0', token: SEED_TOKEN },
        { url: 'https://api.clienturl.com/inventory', message_type: 'skuInventoryChange', api_version: '1.0' },
      ]);
      expect(res.status).toBe(201);
      const { callbacks } = res.body as { callbacks: CallbackWithSecret[] };
      expect(callbacks).toHaveLength(2);
      expect(callbacks[0]).toMatchObject({ url: SEED_URL, message_type: 'orderEvent', api_version: '1.0', status: 'active' });
      expect(callbacks[1]).toMatchObject({ message_type: 'skuInventoryChange', status: 'active' });
      for (const callback of callbacks) expect(callback.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
      expect(callbacks[0]!.secret).not.toBe(callbacks[1]!.secret);
      expect(res.text).not.toContain(SEED_TOKEN);

      const got = await call(`${svc.api('acme')}/callbacks/${callbacks[0]!.id}`, { token: acme });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ ...callbacks[0], secret: undefined });
      expect(Object.keys(got.body as object)).not.toContain('secret');
      expect(got.text).not.toContain(SEED_TOKEN);
    });

    it('accepts a single object as an array of one', async () => {
      const res = await create('acme', acme, { url: 'https://single.example.com/hook', message_type: 'rmaEvent', api_version: '1.0' });
      expect(res.status).toBe(201);
      expect((res.body as { callbacks: CallbackWithSecret[] }).callbacks).toEqual([
        expect.objectContaining({ url: 'https://single.example.com/hook', message_type: 'rmaEvent', secret: expect.stringMatching(/^whsec_/) }),
      ]);
    });

    it('stores secrets and tokens sealed under the first key, never in clear, and never logs them', async () => {
      const created = await createOne('acme', acme, { token: 'tok-sealed-at-rest-123' });
      const row = await svc.db.selectFrom('callbacks').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(created.secret);
      expect(stored).not.toContain(created.secret.slice('whsec_'.length));
      expect(stored).not.toContain('tok-sealed-at-rest-123');
      expect(row.secrets).toHaveLength(1);
      expect(row.secrets[0]!.secret.kid).toBe(svc.keys[0]!.id);
      expect(openSecret(row.secrets[0]!.secret, svc.keys)).toBe(created.secret);
      expect(openSecret(row.token!, svc.keys)).toBe('tok-sealed-at-rest-123');
      expect(svc.logs.text()).not.toContain(created.secret);
      expect(svc.logs.text()).not.toContain('tok-sealed-at-rest-123');
    });

    it('rejects the whole request, naming each bad index and field, and creates nothing', async () => {
      const before = await list('acme', acme);
      const res = await create('acme', acme, [
        { url: 'https://ok.example.com/hook', message_type: 'orderEvent', api_version: '1.0' },
        { url: 'http://api.clienturl.com/webhook', message_type: 'orderEvent', api_version: '1.0' },
        { url: 'https://ok.example.com/x', message_type: 'orderShipped', api_version: '2.0' },
        { url: 'https://ok.example.com/y', message_type: 'rmaEvent', api_version: '1.0', extra: true },
      ]);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(problemCodes(res)).toEqual(['1.url https_required', '2.api_version invalid_value', '2.message_type unknown_message_type', '3 unrecognized_keys']);
      expect((res.body as { detail: string }).detail).toBe('3 of 4 callbacks are invalid; nothing was created.');
      expect(JSON.stringify(res.body)).toMatch(/https/);
      expect(await list('acme', acme)).toEqual(before);
    });

    it.each([
      ['http', 'http://api.clienturl.com/webhook', 'https_required'],
      // The scheme is the rule broken; whether the host resolves does not matter.
      ['http to a host that does not resolve', 'http://nowhere.invalid/hook', 'https_required'],
      ['a public host on the SSH port', 'https://api.clienturl.com:22/webhook', 'port_not_allowed'],
      ['a public host on the Redis port', 'https://api.clienturl.com:6379/webhook', 'port_not_allowed'],
      ['a non-web scheme', 'ftp://files.example.com/drop', 'https_required'],
      ['credentials in the URL', 'https://user:pass@api.clienturl.com/webhook', 'credentials_in_url'],
      ['a relative URL', '/webhook', 'invalid_url'],
      ['a host that does not resolve', 'https://nowhere.invalid/hook', 'unresolvable_host'],
      ['an IPv4 loopback literal', 'https://127.0.0.1/hook', 'non_public_address'],
      ['a decimal-encoded loopback', 'https://2130706433/hook', 'non_public_address'],
      ['a private IPv4 literal', 'https://192.168.0.10/hook', 'non_public_address'],
      ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data', 'non_public_address'],
      ['a CGNAT literal', 'https://100.64.0.1/hook', 'non_public_address'],
      ['an IPv6 loopback literal', 'https://[::1]/hook', 'non_public_address'],
      ['an IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook', 'non_public_address'],
      ['a name resolving to loopback', 'https://loopback.example.test/hook', 'non_public_address'],
      ['a name resolving to a private address', 'https://private.example.test/hook', 'non_public_address'],
      ['a name resolving to CGNAT', 'https://cgnat.example.test/hook', 'non_public_address'],
      ['a name resolving to the metadata address', 'https://metadata.example.test/hook', 'non_public_address'],
      ['a name resolving to IPv6 loopback', 'https://v6-loopback.example.test/hook', 'non_public_address'],
      ['a name resolving to an IPv6 unique-local address', 'https://v6-private.example.test/hook', 'non_public_address'],
      ['a name resolving to IPv4-mapped loopback', 'https://mapped.example.test/hook', 'non_public_address'],
      ['a name mixing public and private answers', 'https://rebinding.example.test/hook', 'non_public_address'],
    ])('refuses %s with 400 naming the rule', async (_name, url, rule) => {
      const res = await create('acme', acme, [{ url, message_type: 'orderEvent', api_version: '1.0' }]);
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual([`0.url ${rule}`]);
      expect((res.body as { errors: Array<{ message: string }> }).errors[0]!.message).toContain(rule);
    });

    it('refuses a timeout_ms above the installation delivery timeout, naming the limit, and creates nothing', async () => {
      const before = await list('acme', acme);
      const res = await create('acme', acme, [
        { url: 'https://ok.example.com/fast', message_type: 'orderEvent', api_version: '1.0', timeout_ms: 30_000 },
        { url: 'https://ok.example.com/slow', message_type: 'orderEvent', api_version: '1.0', timeout_ms: 45_000 },
      ]);
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual(['1.timeout_ms too_big']);
      expect((res.body as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/at most 30000.*HOOKMESH_DELIVERY_TIMEOUT/);
      expect(await list('acme', acme)).toEqual(before);
      expect((await createOne('acme', acme, { timeout_ms: 30_000 })).timeout_ms).toBe(30_000);
    });

    it('refuses a URL longer than the bound', async () => {
      const res = await create('acme', acme, [{ url: `https://long.example.com/${'a'.repeat(2048)}`, message_type: 'orderEvent', api_version: '1.0' }]);
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual(['0.url too_big']);
    });

    it('refuses a URL with a NUL character with 400 (Postgres cannot store it), and creates nothing', async () => {
      const before = await list('acme', acme);
      const res = await create('acme', acme, [{ url: `${SEED_URL}/\u0000`, message_type: 'orderEvent', api_version: '1.0' }]);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await list('acme', acme)).toEqual(before);
    });

    it('refuses a URL with CR, LF, a tab or a space, naming the field, and creates nothing', async () => {
      const before = await list('acme', acme);
      const urls = ['https://hooks.example.com/inj2\r\nX-Injected-Url: 1', 'https://hooks.example.com/a\tb', 'https://hooks.example.com/a b', ' https://hooks.example.com/'];
      const res = await create('acme', acme, urls.map((url) => ({ url, message_type: 'orderEvent', api_version: '1.0' })));
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual(['0.url custom', '1.url custom', '2.url custom', '3.url custom']);
      expect(JSON.stringify(res.body)).toContain('spaces or control characters');
      expect(await list('acme', acme)).toEqual(before);
    });

    it('stores and answers the normalised URL, the one the dispatcher calls', async () => {
      const created = await createOne('acme', acme, { url: 'https://Hooks.EXAMPLE.com:443/a/../orders?x=caf\u00e9' });
      expect(created.url).toBe('https://hooks.example.com/orders?x=caf%C3%A9');
      const row = await svc.db.selectFrom('callbacks').select('url').where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.url).toBe('https://hooks.example.com/orders?x=caf%C3%A9');
      await waitFor(() => view.callback('acme', created.id)?.url === 'https://hooks.example.com/orders?x=caf%C3%A9', { timeoutMs: 5_000, label: 'view holds the normalised url' });
    });

    it('refuses more than 100 items, naming the limit, and creates nothing', async () => {
      const before = await list('acme', acme);
      const items = Array.from({ length: 101 }, (_, n) => ({ url: `https://bulk.example.com/${n}`, message_type: 'orderEvent', api_version: '1.0' }));
      const res = await create('acme', acme, items);
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual([' too_big']);
      expect(JSON.stringify(res.body)).toContain('at most 100');
      expect(await list('acme', acme)).toEqual(before);
    });

    it('answers malformed JSON, wrong types, empty arrays and missing bodies with 400 problems', async () => {
      const before = await list('acme', acme);
      const malformed = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token: acme, raw: '[{"url": "https://x.example.com",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ type: 'urn:hookmesh:problem:malformed-json', status: 400 });

      const wrongTypes = await create('acme', acme, [{ url: 42, message_type: ['orderEvent'], api_version: 1, token: false }]);
      expect(wrongTypes.status).toBe(400);
      expect(problemCodes(wrongTypes)).toEqual(['0.url invalid_type', '0.message_type invalid_type', '0.api_version invalid_value', '0.token invalid_type']);

      expect(problemCodes(await create('acme', acme, []))).toEqual([' too_small']);
      const missing = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token: acme });
      expect(missing.status).toBe(400);
      expect(await list('acme', acme)).toEqual(before);
    });

    it('answers an oversized body with 413 and a non-JSON body with 415', async () => {
      const huge = JSON.stringify([{ url: 'https://x.example.com', message_type: 'orderEvent', api_version: '1.0', token: 'x'.repeat(600 * 1024) }]);
      const tooLarge = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token: acme, raw: huge });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const notJson = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token: acme, raw: 'url=https://x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(notJson.status).toBe(415);
    });
  });

  describe('listing and reading', () => {
    it('filters by message_type, defaulting to all', async () => {
      const all = await list('acme', acme);
      const explicitAll = await list('acme', acme, '?message_type=all');
      const orders = await list('acme', acme, '?message_type=orderEvent');
      expect(explicitAll).toEqual(all);
      expect(orders.length).toBeGreaterThan(0);
      expect(orders.every((callback) => callback.message_type === 'orderEvent')).toBe(true);
      expect(orders.length).toBeLessThan(all.length);
      for (const callback of all) expect(Object.keys(callback).sort()).toEqual(['api_version', 'created_at', 'disabled_reason', 'health', 'id', 'message_type', 'ordered', 'profile', 'rate_limit', 'signed', 'status', 'timeout_ms', 'updated_at', 'url']);
    });

    it('pages with limit and next_cursor in creation order, every callback once, the filter kept', async () => {
      const items = Array.from({ length: 7 }, (_, n) => ({ url: `https://pages.example.com/${n}`, message_type: n % 2 === 0 ? 'orderEvent' : 'rmaEvent', api_version: '1.0' }));
      const created = ((await create('paged', await svc.token('paged'), items)).body as { callbacks: Callback[] }).callbacks;
      const token = await svc.token('paged');
      const pages: Array<{ callbacks: Callback[]; next_cursor: string | null }> = [];
      let cursor: string | null = null;
      do {
        const res = await call(`${svc.api('paged')}/callbacks?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`, { token });
        expect(res.status).toBe(200);
        const page = res.body as { callbacks: Callback[]; next_cursor: string | null };
        pages.push(page);
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(pages.map((page) => page.callbacks.length)).toEqual([3, 3, 1]);
      // One insert gives the batch one created_at: the id breaks the tie, so no callback repeats or goes missing.
      expect(pages.flatMap((page) => page.callbacks.map((callback) => callback.id)).sort()).toEqual(created.map((callback) => callback.id).sort());
      expect(pages.flatMap((page) => page.callbacks)).toEqual(await list('paged', token));

      const orders = (await call(`${svc.api('paged')}/callbacks?message_type=orderEvent&limit=2`, { token })).body as { callbacks: Callback[]; next_cursor: string };
      const rest = (await call(`${svc.api('paged')}/callbacks?message_type=orderEvent&limit=2&cursor=${orders.next_cursor}`, { token })).body as { callbacks: Callback[]; next_cursor: string | null };
      expect([...orders.callbacks, ...rest.callbacks].map((callback) => callback.url).sort()).toEqual(['https://pages.example.com/0', 'https://pages.example.com/2', 'https://pages.example.com/4', 'https://pages.example.com/6']);
      expect(rest.next_cursor).toBeNull();
    });

    it('answers the whole list with next_cursor null when it fits in one page', async () => {
      const res = await call(`${svc.api('acme')}/callbacks`, { token: acme });
      expect(res.body).toEqual({ callbacks: expect.any(Array), next_cursor: null });
    });

    it('refuses a cursor it never issued, and another account sees nothing through one', async () => {
      const forged = await call(`${svc.api('acme')}/callbacks?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, { token: acme });
      expect(forged.status).toBe(400);
      expect(problemCodes(forged)).toEqual(['cursor custom']);
      const token = await svc.token('paged');
      const first = (await call(`${svc.api('paged')}/callbacks?limit=1`, { token })).body as { next_cursor: string };
      const foreign = await call(`${svc.api('globex')}/callbacks?cursor=${first.next_cursor}`, { token: globex });
      expect(foreign.status).toBe(200);
      expect((foreign.body as { callbacks: Callback[] }).callbacks.every((callback) => !callback.url.startsWith('https://pages.example.com/'))).toBe(true);
    });

    it('answers an unknown message_type filter or query parameter with 400', async () => {
      const unknownType = await call(`${svc.api('acme')}/callbacks?message_type=orderShipped`, { token: acme });
      expect(unknownType.status).toBe(400);
      expect(problemCodes(unknownType)).toEqual(['message_type unknown_message_type']);
      const badName = await call(`${svc.api('acme')}/callbacks?message_type=order%20shipped`, { token: acme });
      expect(badName.status).toBe(400);
      const unknownParam = await call(`${svc.api('acme')}/callbacks?page=2`, { token: acme });
      expect(unknownParam.status).toBe(400);
      expect(problemCodes(unknownParam)).toEqual([' unrecognized_keys']);
    });

    it('answers an unknown id with 404', async () => {
      for (const id of ['0191d7a0-0000-7000-8000-000000000000', 'not-a-uuid']) {
        const res = await call(`${svc.api('acme')}/callbacks/${id}`, { token: acme });
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('deleting', () => {
    it('deletes by ids and reports the ones it did not find', async () => {
      const a = await createOne('acme', acme);
      const b = await createOne('acme', acme);
      const missing = '0191d7a0-0000-7000-8000-00000000dead';
      const res = await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: [a.id, missing, b.id, 'not-a-uuid'] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: [a.id, b.id], not_found: [missing, 'not-a-uuid'] });
      const ids = (await list('acme', acme)).map((callback) => callback.id);
      expect(ids).not.toContain(a.id);
      expect(ids).not.toContain(b.id);
    });

    it('refuses duplicate ids, an empty list and a non-array, and deletes nothing', async () => {
      const a = await createOne('acme', acme);
      const before = await list('acme', acme);
      const duplicate = await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: [a.id, a.id] });
      expect(duplicate.status).toBe(400);
      expect(problemCodes(duplicate)).toEqual(['1 custom']);
      expect(JSON.stringify(duplicate.body)).toContain('duplicate callback id');
      expect((await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: [] })).status).toBe(400);
      expect((await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: { id: a.id } })).status).toBe(400);
      expect(await list('acme', acme)).toEqual(before);
    });
  });

  describe('patching', () => {
    it('changes url, token and status and answers the callback without the token', async () => {
      const created = await createOne('acme', acme, { token: 'first-token' });
      const res = await call(`${svc.api('acme')}/callbacks/${created.id}`, {
        method: 'PATCH',
        token: acme,
        json: { url: 'https://moved.example.com/hook', token: 'second-token', status: 'disabled' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: created.id, url: 'https://moved.example.com/hook', status: 'disabled' });
      expect(res.text).not.toContain('second-token');
      expect(Date.parse((res.body as Callback).updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      const row = await svc.db.selectFrom('callbacks').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(openSecret(row.token!, svc.keys)).toBe('second-token');

      const cleared = await call(`${svc.api('acme')}/callbacks/${created.id}`, { method: 'PATCH', token: acme, json: { token: null, status: 'active' } });
      expect(cleared.status).toBe(200);
      expect((await svc.db.selectFrom('callbacks').select('token').where('id', '=', created.id).executeTakeFirstOrThrow()).token).toBeNull();
      expect(svc.logs.text()).not.toContain('second-token');
    });

    it('refuses a bad patch and changes nothing', async () => {
      const created = await createOne('acme', acme);
      const path = `${svc.api('acme')}/callbacks/${created.id}`;
      const cases: Array<[unknown, string[]]> = [
        [{ url: 'http://moved.example.com/hook' }, ['url https_required']],
        [{ url: 'https://private.example.test/hook' }, ['url non_public_address']],
        [{ status: 'paused' }, ['status invalid_value']],
        [{ secret: 'whsec_x' }, [' unrecognized_keys', ' custom']],
        [{}, [' custom']],
      ];
      for (const [json, codes] of cases) {
        const res = await call(path, { method: 'PATCH', token: acme, json });
        expect(res.status).toBe(400);
        expect(problemCodes(res)).toEqual(codes);
      }
      expect((await call(path, { token: acme })).body).toEqual({ ...created, secret: undefined });
    });

    it('refuses a patch to a URL with control characters or spaces, and stores a normalised one', async () => {
      const created = await createOne('acme', acme);
      const path = `${svc.api('acme')}/callbacks/${created.id}`;
      const refused = await call(path, { method: 'PATCH', token: acme, json: { url: 'https://moved.example.com/x\r\nX-Injected-Url: 1' } });
      expect(refused.status).toBe(400);
      expect(problemCodes(refused)).toEqual(['url custom']);
      expect((await call(path, { token: acme })).body).toMatchObject({ url: created.url });
      const moved = await call(path, { method: 'PATCH', token: acme, json: { url: 'HTTPS://MOVED.example.com/./x' } });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ url: 'https://moved.example.com/x' });
    });

    it('answers a patch of an unknown callback with 404', async () => {
      const res = await call(`${svc.api('acme')}/callbacks/0191d7a0-0000-7000-8000-000000000001`, { method: 'PATCH', token: acme, json: { status: 'disabled' } });
      expect(res.status).toBe(404);
    });
  });

  describe('rotating the secret', () => {
    it('returns a new secret and keeps the old one signing for the default 24 h overlap', async () => {
      const created = await createOne('acme', acme);
      const started = Date.now();
      const res = await call(`${svc.api('acme')}/callbacks/${created.id}/rotate_secret`, { method: 'POST', token: acme });
      expect(res.status).toBe(200);
      const body = res.body as { secret: string; previous_secret_expires_at: string };
      expect(body.secret).toMatch(/^whsec_/);
      expect(body.secret).not.toBe(created.secret);
      const overlapEnd = Date.parse(body.previous_secret_expires_at);
      expect(overlapEnd).toBeGreaterThanOrEqual(started + 86_400_000 - 1_000);
      expect(overlapEnd).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1_000);

      const row = await svc.db.selectFrom('callbacks').select('secrets').where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.secrets.map((entry) => openSecret(entry.secret, svc.keys))).toEqual([body.secret, created.secret]);
      expect(row.secrets.map((entry) => entry.expires_at)).toEqual([undefined, body.previous_secret_expires_at]);
      expect(svc.logs.text()).not.toContain(body.secret);

      // The dispatcher's view signs with both during the overlap.
      const state = await waitFor(() => (view.callback('acme', created.id)?.secrets.length === 2 ? view.callback('acme', created.id) : undefined), {
        timeoutMs: 1_000,
        label: 'rotated secrets in the view',
      });
      expect(state.secrets.map((entry) => openSecret(entry.secret, svc.keys))).toEqual([body.secret, created.secret]);
    });

    it('drops the old secret at once with overlap_seconds 0', async () => {
      const created = await createOne('acme', acme);
      const res = await call(`${svc.api('acme')}/callbacks/${created.id}/rotate_secret`, { method: 'POST', token: acme, json: { overlap_seconds: 0 } });
      expect(res.status).toBe(200);
      expect((res.body as { previous_secret_expires_at: unknown }).previous_secret_expires_at).toBeNull();
      const row = await svc.db.selectFrom('callbacks').select('secrets').where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.secrets.map((entry) => openSecret(entry.secret, svc.keys))).toEqual([(res.body as { secret: string }).secret]);
    });

    it('refuses a bad overlap and an unknown callback, rotating nothing', async () => {
      const created = await createOne('acme', acme);
      for (const overlap of [-1, 8 * 86_400, '60', 1.5]) {
        const res = await call(`${svc.api('acme')}/callbacks/${created.id}/rotate_secret`, { method: 'POST', token: acme, json: { overlap_seconds: overlap } });
        expect(res.status).toBe(400);
        expect(problemCodes(res)[0]).toMatch(/^overlap_seconds /);
      }
      const row = await svc.db.selectFrom('callbacks').select('secrets').where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.secrets.map((entry) => openSecret(entry.secret, svc.keys))).toEqual([created.secret]);
      const unknown = await call(`${svc.api('acme')}/callbacks/0191d7a0-0000-7000-8000-000000000002/rotate_secret`, { method: 'POST', token: acme });
      expect(unknown.status).toBe(404);
    });
  });

  describe('the test action', () => {
    it('publishes the example event of the callback type to EVENTS and answers 202 with its message id', async () => {
      const created = await createOne('acme', acme, { message_type: 'shipmentEvent' });
      const res = await call(`${svc.api('acme')}/callbacks/${created.id}/test`, { method: 'POST', token: acme });
      expect(res.status).toBe(202);
      const { message_id: messageId } = res.body as { message_id: string };
      expect(messageId).toMatch(/^[0-9a-f-]{36}$/);

      const stored = await svc.jsm.streams.getMessage(svc.names.streams.events, { last_by_subj: svc.names.eventSubject('acme', 'shipmentEvent') });
      expect(stored).not.toBeNull();
      const record = EventRecord.parse(stored!.json());
      expect(record).toMatchObject({ message_id: messageId, account: 'acme', message_type: 'shipmentEvent', api_version: '1.0' });
      expect(record.data).toEqual(eventTypes.shipmentEvent.example.data);
      expect(stored!.header.get('Nats-Msg-Id')).toBe(messageId);
    });

    it('answers 409 for a disabled callback and publishes nothing', async () => {
      const created = await createOne('acme', acme, { message_type: 'qualityEvent' });
      expect((await call(`${svc.api('acme')}/callbacks/${created.id}`, { method: 'PATCH', token: acme, json: { status: 'disabled' } })).status).toBe(200);
      const before = (await svc.jsm.streams.info(svc.names.streams.events)).state.messages;
      const res = await call(`${svc.api('acme')}/callbacks/${created.id}/test`, { method: 'POST', token: acme });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((res.body as { detail: string }).detail).toContain('is disabled');
      expect((await svc.jsm.streams.info(svc.names.streams.events)).state.messages).toBe(before);
    });

    it('answers 404 for a callback that does not exist', async () => {
      const res = await call(`${svc.api('acme')}/callbacks/0191d7a0-0000-7000-8000-000000000003/test`, { method: 'POST', token: acme });
      expect(res.status).toBe(404);
    });
  });

  describe('the dispatcher view', () => {
    it('sees a create, a patch and a delete within a second each', async () => {
      const created = await createOne('acme', acme, { message_type: 'qualityEvent', token: 'view-token' });
      const state = await waitFor(() => view.callback('acme', created.id), { timeoutMs: 1_000, label: 'created callback in the view' });
      expect(CallbackState.parse(state)).toMatchObject({ id: created.id, url: SEED_URL, status: 'active', message_type: 'qualityEvent' });
      expect(openSecret(state.token!, svc.keys)).toBe('view-token');
      expect(openSecret(state.secrets[0]!.secret, svc.keys)).toBe(created.secret);
      expect(view.activeCallbacks('acme', 'qualityEvent').map((callback) => callback.id)).toContain(created.id);

      await call(`${svc.api('acme')}/callbacks/${created.id}`, { method: 'PATCH', token: acme, json: { status: 'disabled' } });
      await waitFor(() => view.callback('acme', created.id)?.status === 'disabled', { timeoutMs: 1_000, label: 'disabled in the view' });
      expect(view.activeCallbacks('acme', 'qualityEvent').map((callback) => callback.id)).not.toContain(created.id);

      await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: [created.id] });
      await waitFor(() => view.callback('acme', created.id) === undefined, { timeoutMs: 1_000, label: 'deleted from the view' });
    });
  });

  describe('tenancy and auth', () => {
    it('keeps accounts apart: another account can neither see, change nor delete a callback', async () => {
      const theirs = await createOne('globex', globex);
      const mine = await list('acme', acme);
      expect(mine.map((callback) => callback.id)).not.toContain(theirs.id);

      const base = `${svc.api('acme')}/callbacks/${theirs.id}`;
      expect((await call(base, { token: acme })).status).toBe(404);
      expect((await call(base, { method: 'PATCH', token: acme, json: { status: 'disabled' } })).status).toBe(404);
      expect((await call(`${base}/rotate_secret`, { method: 'POST', token: acme })).status).toBe(404);
      expect((await call(`${base}/test`, { method: 'POST', token: acme })).status).toBe(404);
      const deleted = await call(`${svc.api('acme')}/callbacks`, { method: 'DELETE', token: acme, json: [theirs.id] });
      expect(deleted.body).toEqual({ deleted: [], not_found: [theirs.id] });

      const stillThere = await call(`${svc.api('globex')}/callbacks/${theirs.id}`, { token: globex });
      expect(stillThere.status).toBe(200);
      expect(stillThere.body).toMatchObject({ status: 'active', url: SEED_URL });
    });

    it("answers 403 when a token is used on another account's paths", async () => {
      for (const [method, path] of [
        ['GET', '/callbacks'],
        ['POST', '/callbacks'],
        ['DELETE', '/callbacks'],
        ['GET', '/callback_holds'],
        ['GET', '/event_types'],
      ] as const) {
        const res = await call(`${svc.api('globex')}${path}`, { method, token: acme, json: method === 'GET' ? undefined : [] });
        expect(res.status).toBe(403);
      }
      expect(await list('globex', globex)).toHaveLength(1);
    });

    it('answers 401 without a token, with an expired one, a wrong signature or alg none', async () => {
      const url = `${svc.api('acme')}/callbacks`;
      const expired = await new SignJWT({ account: 'acme', scope: 'callbacks:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const forged = await new SignJWT({ account: 'acme', scope: 'callbacks:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('another-secret-of-at-least-thirty-two-bytes'));
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ account: 'acme', scope: 'callbacks:read', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
      for (const token of [undefined, expired, forged, none, 'not-a-jwt']) {
        const res = await call(url, { token });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    });

    it('requires callbacks:read for reads and callbacks:write for changes', async () => {
      const reader = await svc.token('acme', ['callbacks:read']);
      const writer = await svc.token('acme', ['callbacks:write']);
      const before = await list('acme', acme);
      expect((await call(`${svc.api('acme')}/callbacks`, { token: reader })).status).toBe(200);
      expect((await call(`${svc.api('acme')}/event_types`, { token: reader })).status).toBe(200);
      expect((await call(`${svc.api('acme')}/callbacks`, { token: writer })).status).toBe(403);
      const denied = await create('acme', reader, [{ url: SEED_URL, message_type: 'orderEvent', api_version: '1.0' }]);
      expect(denied.status).toBe(403);
      expect(denied.headers.get('www-authenticate')).toContain('callbacks:write');
      expect((await call(`${svc.api('acme')}/callbacks/${before[0]!.id}`, { method: 'PATCH', token: reader, json: { status: 'disabled' } })).status).toBe(403);
      expect((await create('acme', writer, [{ url: SEED_URL, message_type: 'orderEvent', api_version: '1.0' }])).status).toBe(201);
      expect(await list('acme', acme)).toHaveLength(before.length + 1);
    });
  });

  describe('event types and operational routes', () => {
    it('lists every message type with its JSON Schema and an example of its data', async () => {
      const res = await call(`${svc.api('acme')}/event_types`, { token: acme });
      expect(res.status).toBe(200);
      const { event_types: entries } = res.body as { event_types: Array<{ message_type: string; schema: object; example: unknown }> };
      expect(entries.map((entry) => entry.message_type).sort()).toEqual(Object.keys(eventTypes).sort());
      const order = entries.find((entry) => entry.message_type === 'orderEvent')!;
      expect(order.example).toEqual(eventTypes.orderEvent.example.data);
      expect(order.schema).toHaveProperty('type');
    });

    it('serves healthz, readyz, metrics and an OpenAPI document covering every route', async () => {
      expect((await call(`${svc.url}/healthz`)).status).toBe(200);
      const ready = await call(`${svc.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, nats: { ok: true } } });

      const metrics = await call(`${svc.url}/metrics`);
      expect(metrics.text).toMatch(/hookmesh_subscription_changes_total\{change="callback_created"\} [1-9]/);
      expect(metrics.text).toMatch(/hookmesh_subscription_kv_writes_total\{operation="put",outcome="ok"\} [1-9]/);
      expect(metrics.text).toContain('http_requests_total{method="POST",route="/:account/api/v1/callbacks",status="201"}');

      const openapi = await call(`${svc.url}/openapi.json`);
      expect(openapi.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('subscription-service'))));
      const paths = (openapi.body as { paths: Record<string, Record<string, unknown>> }).paths;
      for (const route of routesFor('subscription-service')) {
        expect(paths[route.path]?.[route.method]).toBeDefined();
        // The route really is served: anything but the catch-all 404 for unknown paths.
        const res = await call(`${svc.url}${expressPath(route.path).replace(':account', 'acme').replace(':id', '0191d7a0-0000-7000-8000-000000000009').replace(':message_type', 'rmaEvent')}`, {
          method: route.method.toUpperCase(),
          token: acme,
        });
        expect((res.body as { detail?: string } | undefined)?.detail ?? '').not.toMatch(/^No route for/);
      }
    });
  });
});
