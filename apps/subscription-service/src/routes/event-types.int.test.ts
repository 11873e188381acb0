// The event catalog's operator API against real Postgres and NATS: register, replace, archive, and what callbacks,
// holds and /test make of registered types.
import { EventRecord, EventTypeState, MESSAGE_TYPES, type CallbackWithSecret, type EventType } from '@hookmesh/contracts';
import { call, problemCodes, startTestService, type TestService } from '../test-support';

const ordersCreated = {
  description: 'ModusLink: an order was created',
  schema: {
    type: 'object',
    required: ['order_id', 'reference'],
    properties: { order_id: { type: 'string' }, reference: { type: 'string' }, lines: { type: 'integer', minimum: 1 } },
  },
  example: { order_id: '42000631', reference: 'Your_ref_60', lines: 2 },
  thin: { object_name: 'orders', object_id: '/order_id', object_reference: '/reference' },
};

describe('event catalog operator API', () => {
  let svc: TestService;
  let admin: string;
  let acme: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'event-types' });
    admin = await svc.adminToken();
    acme = await svc.token('acme');
  });
  afterAll(() => svc?.close());

  const typeUrl = (name: string) => `${svc.adminApi}/event_types/${encodeURIComponent(name)}`;
  const put = (name: string, json: unknown, token = admin) => call(typeUrl(name), { method: 'PUT', token, json });
  const archive = (name: string, token = admin) => call(typeUrl(name), { method: 'DELETE', token });
  const kvState = async (name: string): Promise<EventTypeState | null> => {
    const entry = await svc.kv.get(svc.names.kv.eventTypeKey(name));
    return entry === null || entry.operation !== 'PUT' ? null : EventTypeState.parse(entry.json());
  };
  const rowCount = async () => Number((await svc.db.selectFrom('event_types').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('opens the operator routes to admin tokens only', async () => {
    expect((await call(`${svc.adminApi}/event_types`)).status).toBe(401);
    const account = await call(`${svc.adminApi}/event_types`, { token: acme });
    expect(account.status).toBe(403);
    expect(account.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await put('Orders.Created', ordersCreated, acme)).status).toBe(403);
    expect(await rowCount()).toBe(0);
    const listed = await call(`${svc.adminApi}/event_types`, { token: admin });
    expect(listed.status).toBe(200);
    expect((listed.body as { event_types: EventType[] }).event_types.map((entry) => entry.message_type)).toEqual([...MESSAGE_TYPES]);
  });

  it('does not open account routes to an operator token, nor the operator API to the account "admin"', async () => {
    expect((await call(`${svc.api('acme')}/callbacks`, { token: admin })).status).toBe(403);
    expect((await call(`${svc.api('admin')}/callback_holds`, { token: admin })).status).toBe(404);
  });

  it('registers a type (201, version 1) and answers only once the subscription state carries it', async () => {
    const res = await put('Orders.Created', ordersCreated);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message_type: 'Orders.Created',
      ...ordersCreated,
      builtin: false,
      version: 1,
      archived: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // Read straight after the answer: the KV bucket already has it.
    expect(await kvState('Orders.Created')).toMatchObject({ message_type: 'Orders.Created', version: 1, archived: false, schema: ordersCreated.schema });
  });

  it('lists registered types to accounts with the built-in ones, each example being data POST /events takes', async () => {
    const res = await call(`${svc.api('acme')}/event_types`, { token: acme });
    expect(res.status).toBe(200);
    const entries = (res.body as { event_types: EventType[] }).event_types;
    expect(entries.map((entry) => entry.message_type)).toEqual([...MESSAGE_TYPES, 'Orders.Created']);
    expect(entries.find((entry) => entry.message_type === 'orderEvent')?.example).toEqual([expect.objectContaining({ order_id: expect.any(String) })]);
    expect(entries.at(-1)).toMatchObject({ builtin: false, example: ordersCreated.example });
  });

  it('replaces the schema as version 2 (200), and a repeated PUT changes nothing', async () => {
    const stricter = { ...ordersCreated, schema: { ...ordersCreated.schema, required: ['order_id', 'reference', 'lines'] } };
    const res = await put('Orders.Created', stricter);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, schema: stricter.schema });
    expect((await kvState('Orders.Created'))?.version).toBe(2);
    const again = await put('Orders.Created', stricter);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 2 });
  });

  it.each([
    ['a bad name', 'orders created', ordersCreated, ['message_type invalid_format']],
    ['a name that is too long', `A${'b'.repeat(64)}`, ordersCreated, ['message_type invalid_format']],
    ['a schema that does not compile', 'Bad.Schema', { ...ordersCreated, schema: { type: 'object', required: 'order_id' } }, ['schema invalid_schema']],
    ['a recursive schema', 'Bad.Recursive', { ...ordersCreated, schema: { type: 'object', properties: { child: { $ref: '#' } } } }, ['schema recursive_schema']],
    ['an example that does not validate', 'Bad.Example', { ...ordersCreated, example: { order_id: 1 } }, ['example.order_id type', 'example.reference required', 'thin.object_reference unresolvable_pointer']],
    ['a thin pointer that does not resolve', 'Bad.Pointer', { ...ordersCreated, thin: { object_name: 'orders', object_id: '/id' } }, ['thin.object_id unresolvable_pointer']],
    ['no schema', 'Bad.Missing', { example: {} }, ['schema invalid_type']],
    ['an unknown field', 'Bad.Field', { ...ordersCreated, version: 7 }, [' unrecognized_keys']],
  ])('refuses %s with 400 naming the problem, and stores nothing', async (_what, name, body, codes) => {
    const before = await rowCount();
    const res = await put(name, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problemCodes(res).sort()).toEqual([...codes].sort());
    expect(await rowCount()).toBe(before);
    if (/^[A-Za-z][A-Za-z0-9._:-]{0,63}$/.test(name)) expect(await kvState(name)).toBeNull();
  });

  it('refuses a schema over 64 kB with 400', async () => {
    const properties = Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`field_${i}`, { type: 'string', description: 'padding' }]));
    const res = await put('Bad.Huge', { schema: { type: 'object', properties }, example: {} });
    expect(res.status).toBe(400);
    expect(problemCodes(res)).toEqual(['schema too_big']);
  });

  it('answers 409 for a built-in name, on PUT and on DELETE', async () => {
    const res = await put('orderEvent', ordersCreated);
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toMatch(/built-in/);
    expect((await archive('orderEvent')).status).toBe(409);
    expect(await kvState('orderEvent')).toBeNull();
  });

  it('takes registered types for callbacks and holds, and names an unknown one at its field', async () => {
    const api = svc.api('acme');
    const created = await call(`${api}/callbacks`, {
      method: 'POST',
      token: acme,
      json: [{ url: 'https://hooks.example.com/orders', message_type: 'Orders.Created', api_version: '1.0' }],
    });
    expect(created.status).toBe(201);
    const bad = await call(`${api}/callbacks`, {
      method: 'POST',
      token: acme,
      json: [
        { url: 'https://hooks.example.com/ok', message_type: 'orderEvent', api_version: '1.0' },
        { url: 'https://hooks.example.com/x', message_type: 'Rmas.Created', api_version: '1.0' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(problemCodes(bad)).toEqual(['1.message_type unknown_message_type']);
    expect((await call(`${api}/callback_holds`, { method: 'POST', token: acme, json: { message_type: 'Rmas.Created' } })).status).toBe(400);
    const hold = await call(`${api}/callback_holds`, { method: 'POST', token: acme, json: { message_type: 'Orders.Created' } });
    expect(hold.status).toBe(201);
    expect((await call(`${api}/callback_holds/Orders.Created`, { method: 'DELETE', token: acme })).status).toBe(200);
    const listed = await call(`${api}/callbacks?message_type=Orders.Created`, { token: acme });
    expect((listed.body as { callbacks: unknown[] }).callbacks).toHaveLength(1);
  });

  it('sends the registered example through /test', async () => {
    const api = svc.api('acme');
    const created = await call(`${api}/callbacks`, {
      method: 'POST',
      token: acme,
      json: [{ url: 'https://hooks.example.com/test-me', message_type: 'Orders.Created', api_version: '1.0' }],
    });
    const callback = (created.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
    const res = await call(`${api}/callbacks/${callback.id}/test`, { method: 'POST', token: acme });
    expect(res.status).toBe(202);
    const messageId = (res.body as { message_id: string }).message_id;
    const stored = await svc.jsm.streams.getMessage(svc.names.streams.events, { last_by_subj: svc.names.eventSubject('acme', 'Orders.Created') });
    expect(EventRecord.parse(stored?.json())).toMatchObject({ message_id: messageId, message_type: 'Orders.Created', data: ordersCreated.example, target_callback_id: callback.id });
  });

  it('archives a type: accounts stop seeing it, new callbacks and holds get 409, existing callbacks stay', async () => {
    const res = await archive('Orders.Created');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message_type: 'Orders.Created', archived: true, version: 2 });
    expect(await kvState('Orders.Created')).toMatchObject({ archived: true });
    const forAccounts = await call(`${svc.api('acme')}/event_types`, { token: acme });
    expect((forAccounts.body as { event_types: EventType[] }).event_types.map((entry) => entry.message_type)).not.toContain('Orders.Created');
    const forOperators = await call(`${svc.adminApi}/event_types`, { token: admin });
    expect((forOperators.body as { event_types: EventType[] }).event_types.at(-1)).toMatchObject({ message_type: 'Orders.Created', archived: true });

    const api = svc.api('acme');
    const callback = await call(`${api}/callbacks`, {
      method: 'POST',
      token: acme,
      json: [{ url: 'https://hooks.example.com/late', message_type: 'Orders.Created', api_version: '1.0' }],
    });
    expect(callback.status).toBe(409);
    expect((callback.body as { detail: string }).detail).toMatch(/archived/);
    expect((await call(`${api}/callback_holds`, { method: 'POST', token: acme, json: { message_type: 'Orders.Created' } })).status).toBe(409);
    const existing = await call(`${api}/callbacks?message_type=Orders.Created`, { token: acme });
    expect((existing.body as { callbacks: Array<{ status: string }> }).callbacks).toEqual([
      expect.objectContaining({ status: 'active' }),
      expect.objectContaining({ status: 'active' }),
    ]);
    expect((await archive('Rmas.Created')).status).toBe(404);
  });

  it('revives an archived type with a PUT, as the next version', async () => {
    const res = await put('Orders.Created', ordersCreated);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 3, archived: false });
    expect(await kvState('Orders.Created')).toMatchObject({ version: 3, archived: false });
  });

  it('takes the names of ModusLink and Malomo types', async () => {
    for (const name of ['PurchasedOrders.Confirmed', 'orders:created', 'customers:updated']) {
      const res = await put(name, { schema: { type: 'object' }, example: { id: 1 } });
      expect(res.status).toBe(201);
      expect(await kvState(name)).toMatchObject({ message_type: name });
    }
  });
});
