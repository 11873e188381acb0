// What one hostile tenant could do to the platform through its own account: register callbacks without bound (each
// multiplies every event), page through a huge list, store an event the event log cannot hold, register a URL that is
// shown one way and called another, and get answers a browser would sniff or frame. Run against real processes.
import { natsNames } from '@hookmesh/contracts';
import { jetstreamManager } from '@hookmesh/messaging';
import {
  SERVICE_NAMES,
  call,
  dispatcherViewHolds,
  messageDeliveries,
  startPlatform,
  startReceiver,
  testNatsUrl,
  waitFor,
  type Platform,
  type TestReceiver,
} from '@hookmesh/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { problemViolations, send } from './support/probe';

const PER_ACCOUNT = 10;
const PER_MESSAGE_TYPE = 4;

type Callback = { id: string; url: string; message_type: string };

describe('a hostile tenant inside its own account', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let nc: NatsConnection;
  // Every callback created so far, so a test can wait until the dispatcher's view holds them all.
  let registered = 0;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({
      label: 'tenant',
      env: { HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT: String(PER_ACCOUNT), HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE: String(PER_MESSAGE_TYPE) },
    });
    nc = await connect({ servers: await testNatsUrl(), name: 'security-tenant' });
  }, 180_000);

  afterAll(async () => {
    await nc?.drain();
    await platform?.stop();
    await receiver?.close();
  });

  const register = async (account: string, items: Array<{ url: string; message_type: string }>) => {
    const answer = await send(`${platform.api('subscription-service', account)}/callbacks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await platform.token(account)}`, 'content-type': 'application/json' },
      body: JSON.stringify(items.map((item) => ({ api_version: '1.0', ...item }))),
    });
    if (answer.status === 201) registered += items.length;
    return answer;
  };
  /** One orderEvent callback of the account at `path`, in the dispatchers' view before it returns. */
  const orderCallbackSeen = async (account: string, path: string): Promise<void> => {
    const created = await register(account, [{ url: receiver.url(path), message_type: 'orderEvent' }]);
    expect(created.status).toBe(201);
    await dispatcherViewHolds(platform, { callbacks: registered });
  };
  /** POST /events with exactly this JSON, answered as it comes (problem and all). */
  const postEventsAsWritten = async (account: string, events: unknown) =>
    send(`${platform.api('event-ingest', account)}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await platform.token(account)}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
  const eventsStored = async (): Promise<number> => (await (await jetstreamManager(nc)).streams.info(natsNames(platform.prefix).streams.events)).state.messages;

  describe('callback limits', () => {
    it(`refuses the ${PER_MESSAGE_TYPE + 1}th callback of one type and the ${PER_ACCOUNT + 1}th of the account with 409 naming the limit`, async () => {
      const account = 'hoarder';
      const types = ['orderEvent', 'rmaEvent', 'qualityEvent'];
      const refused: string[] = [];
      let created = 0;
      // One at a time, as a script would: every type up to its limit, then past it, then the account past its limit.
      for (let n = 0; n < 20; n += 1) {
        const answer = await register(account, [{ url: `${receiver.url('/hoard')}/${n}`, message_type: types[Math.floor(n / (PER_MESSAGE_TYPE + 1)) % types.length]! }]);
        if (answer.status === 201) created += 1;
        else {
          expect(problemViolations(answer, [409])).toEqual([]);
          refused.push((answer.json as { limit: { name: string } }).limit.name);
        }
      }
      const listed = await call<{ callbacks: Callback[] }>(platform, 'subscription-service', account, 'GET', '/callbacks');
      expect(listed.body.callbacks).toHaveLength(created);
      expect(created).toBeLessThanOrEqual(PER_ACCOUNT);
      expect(refused).toContain('callbacks_per_message_type');
      console.log(`security figures (callback limits): ${created} created, ${refused.length} refused (${[...new Set(refused)].join(', ')})`);

      // The account limit, reached with a type still below its own limit.
      const fill = await register(account, [{ url: receiver.url('/hoard/x'), message_type: 'shipmentEvent' }]);
      const over = fill.status === 201 ? await register(account, [{ url: receiver.url('/hoard/y'), message_type: 'skuInventoryChange' }]) : fill;
      expect(problemViolations(over, [409])).toEqual([]);
      expect(over.json).toMatchObject({ type: 'urn:hookmesh:problem:limit-exceeded', limit: { name: 'callbacks_per_account', max: PER_ACCOUNT } });
    });

    it('holds the limit under 20 parallel creates of one account', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => register('racer', [{ url: `${receiver.url('/race')}/${n}`, message_type: ['orderEvent', 'rmaEvent', 'qualityEvent', 'shipmentEvent', 'skuInventoryChange'][n % 5]! }])));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(PER_ACCOUNT);
      expect(answers.filter((answer) => answer.status !== 201).every((answer) => problemViolations(answer, [409]).length === 0)).toBe(true);
      expect((await call<{ callbacks: Callback[] }>(platform, 'subscription-service', 'racer', 'GET', '/callbacks')).body.callbacks).toHaveLength(PER_ACCOUNT);
    });

    it('pages GET /callbacks with limit and next_cursor: every callback once, and a forged cursor is a 400', async () => {
      const all: Callback[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page = await call<{ callbacks: Callback[]; next_cursor: string | null }>(platform, 'subscription-service', 'racer', 'GET', `/callbacks?limit=3${query}`);
        expect(page.status).toBe(200);
        all.push(...page.body.callbacks);
        cursor = page.body.next_cursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(Math.ceil(PER_ACCOUNT / 3));
      expect(new Set(all.map((callback) => callback.id)).size).toBe(PER_ACCOUNT);
      const forged = await send(`${platform.api('subscription-service', 'racer')}/callbacks?cursor=${Buffer.from('["2020-01-01T00:00:00.000000Z","00000000-0000-0000-0000-000000000000"]x').toString('base64url')}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${await platform.token('racer')}` },
      });
      expect(problemViolations(forged, [400])).toEqual([]);
    });
  });

  describe('callback URLs', () => {
    it('refuses raw CR, LF, tabs and spaces in a URL, storing nothing', async () => {
      const account = 'urls';
      const failures: string[] = [];
      for (const url of [`${receiver.url('/inj2')}\r\nX-Injected-Url: 1`, `${receiver.url('/a')}\nb`, `${receiver.url('/a')}\tb`, `${receiver.url('/a b')}`, ` ${receiver.url('/lead')}`, `${receiver.url('/trail')} `, `${receiver.url('/nbsp')}\u00a0x`]) {
        const answer = await register(account, [{ url, message_type: 'orderEvent' }]);
        const problems = problemViolations(answer, [400]);
        if (!((answer.json as { errors?: Array<{ path: string }> } | undefined)?.errors ?? []).some((issue) => issue.path === '0.url')) problems.push('no issue at 0.url');
        if (problems.length > 0) failures.push(`${JSON.stringify(url)}: ${problems.join(', ')}`);
      }
      expect(failures).toEqual([]);
      expect((await call<{ callbacks: Callback[] }>(platform, 'subscription-service', account, 'GET', '/callbacks')).body.callbacks).toEqual([]);
    });

    it('stores the normalised URL, shows it, and delivers to exactly that URL', async () => {
      const account = 'urls';
      const raw = `${receiver.url('/norm/a/../hooked')}?q=caf\u00e9`;
      const expected = `${receiver.url('/norm/hooked')}?q=caf%C3%A9`;
      const answer = await register(account, [{ url: raw, message_type: 'qualityEvent' }]);
      expect(answer.status).toBe(201);
      const created = (answer.json as { callbacks: Callback[] }).callbacks[0]!;
      expect(created.url).toBe(expected);
      expect((await call<Callback>(platform, 'subscription-service', account, 'GET', `/callbacks/${created.id}`)).body.url).toBe(expected);
      await dispatcherViewHolds(platform, { callbacks: registered });
      const sent = await call<{ message_id: string }>(platform, 'subscription-service', account, 'POST', `/callbacks/${created.id}/test`);
      expect(sent.status).toBe(202);
      await waitFor(() => receiver.requests.some((request) => request.path === '/norm/hooked?q=caf%C3%A9'), { timeoutMs: 15_000, label: 'delivery to the normalised URL' });
      expect(receiver.requests.filter((request) => request.path.startsWith('/norm/')).map((request) => request.path)).toEqual(['/norm/hooked?q=caf%C3%A9']);
      const body = JSON.parse(receiver.requests.find((request) => request.path.startsWith('/norm/'))!.body) as { callback_url: string };
      expect(body.callback_url).toBe(expected);
    });
  });

  describe('NUL characters: one rule for ingest, delivery and audit', () => {
    it('refuses an event whose data holds a NUL with 400 naming the path; nothing is delivered or audited', async () => {
      const account = 'nul';
      await orderCallbackSeen(account, '/nul');
      const before = await eventsStored();
      const data = [{ order_id: 'o-1', customer_identifier: 'c\u0000', status: 'packed' }];
      const answer = await postEventsAsWritten(account, [{ message_type: 'orderEvent', data: [{ order_id: 'o-0', customer_identifier: 'c', status: 'packed' }] }, { message_type: 'orderEvent', data }]);
      expect(problemViolations(answer, [400])).toEqual([]);
      expect((answer.json as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ path: '1.data.0.customer_identifier', code: 'nul_character' })]);
      expect(await eventsStored()).toBe(before);

      // The same data with the NUL escaped as text goes through all three, byte for byte.
      const escaped = [{ order_id: 'o-2', customer_identifier: 'c\\u0000 \u0001', status: 'packed' }];
      const accepted = await call<{ message_id: string }>(platform, 'event-ingest', account, 'POST', '/events', { message_type: 'orderEvent', data: escaped });
      expect(accepted.status).toBe(202);
      const messageId = accepted.body.message_id;
      await waitFor(async () => (await messageDeliveries(platform, account, messageId)).some((delivery) => delivery.status === 'delivered'), { timeoutMs: 15_000, label: 'escaped event delivered and audited' });
      const delivered = receiver.requests.filter((request) => request.path === '/nul');
      expect(delivered).toHaveLength(1);
      expect((JSON.parse(delivered[0]!.body) as { data: unknown }).data).toEqual(escaped);
      const message = await call<{ message: { data: unknown } }>(platform, 'audit', account, 'GET', `/messages/${messageId}`);
      expect(message.status).toBe(200);
      expect(message.body.message.data).toEqual(escaped);
    });
  });

  describe('unpaired surrogates: the same rule as NUL', () => {
    it('refuses a lone surrogate in data or in an idempotency_key with 400 naming the path; a whole pair goes through all three', async () => {
      const account = 'surrogate';
      await orderCallbackSeen(account, '/surrogate');
      const before = await eventsStored();
      // JSON.stringify writes a lone surrogate as the escape \ud800, which the server's JSON.parse turns back into one.
      const answer = await postEventsAsWritten(account, [
        { message_type: 'orderEvent', data: [{ order_id: 'o-1', customer_identifier: 'c\ud800', status: 'packed' }] },
        { message_type: 'orderEvent', data: [{ order_id: 'o-2', customer_identifier: 'c', status: 'packed' }], idempotency_key: 'k\udfff' },
      ]);
      expect(problemViolations(answer, [400])).toEqual([]);
      expect((answer.json as { errors: Array<{ path: string; code?: string }> }).errors.map((error) => error.path)).toEqual(['0.data.0.customer_identifier', '1.idempotency_key']);
      expect(await eventsStored()).toBe(before);

      const paired = [{ order_id: 'o-3', customer_identifier: 'c \u{1F600}', status: 'packed' }];
      const accepted = await call<{ message_id: string }>(platform, 'event-ingest', account, 'POST', '/events', { message_type: 'orderEvent', data: paired, idempotency_key: 'k-\u{1F600}' });
      expect(accepted.status).toBe(202);
      const messageId = accepted.body.message_id;
      await waitFor(async () => (await messageDeliveries(platform, account, messageId)).some((delivery) => delivery.status === 'delivered'), { timeoutMs: 15_000, label: 'paired event delivered and audited' });
      const message = await call<{ message: { data: unknown; idempotency_key: string | null } }>(platform, 'audit', account, 'GET', `/messages/${messageId}`);
      expect(message.body.message).toMatchObject({ data: paired, idempotency_key: 'k-\u{1F600}' });
    });
  });

  describe('response headers', () => {
    it('sends nosniff, a CSP that allows nothing, no framing and no-store on every service, also on problems', async () => {
      const failures: string[] = [];
      const token = await platform.token('headers');
      for (const service of SERVICE_NAMES) {
        const answers = [
          await send(`${platform.urls[service]}/healthz`, { method: 'GET' }),
          await send(`${platform.urls[service]}/nowhere`, { method: 'GET' }),
          await send(`${platform.api(service, 'headers')}/nowhere`, { method: 'GET', headers: { authorization: `Bearer ${token}` } }),
        ];
        for (const answer of answers) {
          const headers = {
            nosniff: answer.headers.get('x-content-type-options'),
            csp: answer.headers.get('content-security-policy'),
            frame: answer.headers.get('x-frame-options'),
            cache: answer.headers.get('cache-control'),
          };
          const wanted = { nosniff: 'nosniff', csp: "default-src 'none';frame-ancestors 'none'", frame: 'DENY', cache: 'no-store' };
          if (JSON.stringify(headers) !== JSON.stringify(wanted)) failures.push(`${service} ${answer.status}: ${JSON.stringify(headers)}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});
