// ordered and rate_limit on the Callback API (real Postgres and NATS): validated with a 400 naming the field, stored,
// carried to the dispatchers in the subscription state; an ordered callback's order begins at the next EVENTS sequence.
import { CallbackState, eventMsgId, newMessageId, type Callback, type CallbackWithSecret } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { call, startTestService, type TestService } from '../test-support';

describe('delivery controls on callbacks', () => {
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'controls', maxRatePerSecond: 100 });
    token = await svc.token('acme');
  });
  afterAll(async () => {
    await svc?.close();
  });

  const create = (items: unknown) => call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: items });
  const patch = (id: string, json: unknown) => call(`${svc.api('acme')}/callbacks/${id}`, { method: 'PATCH', token, json });
  const stateOf = async (id: string): Promise<CallbackState | undefined> => {
    const entry = await svc.kv.get(svc.names.kv.callbackKey('acme', id));
    return entry?.operation === 'PUT' ? CallbackState.parse(entry.json()) : undefined;
  };

  it('creates an ordered callback whose order begins at the next event EVENTS stores', async () => {
    // One event already stored: the callback's order starts after it.
    const stored = { message_id: newMessageId(), account: 'acme', message_type: 'orderEvent' as const, api_version: '1.0' as const, data: [], ingested_at: new Date().toISOString() };
    const ack = await publishJson(svc.js, svc.names.eventSubject('acme', 'orderEvent'), stored, { msgID: eventMsgId(stored) });
    const res = await create([{ url: 'https://orders.example.com/hook', message_type: 'orderEvent', api_version: '1.0', ordered: true, rate_limit: { per_second: 50 } }]);
    expect(res.status).toBe(201);
    const callback = (res.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
    expect(callback).toMatchObject({ ordered: true, rate_limit: { per_second: 50 } });
    await waitFor(async () => (await stateOf(callback.id)) !== undefined, { timeoutMs: 3_000, label: 'state published' });
    expect(await stateOf(callback.id)).toMatchObject({ ordered: true, ordered_from_seq: ack.seq + 1, rate_limit: { per_second: 50 } });

    const plain = await create([{ url: 'https://orders.example.com/plain', message_type: 'orderEvent', api_version: '1.0' }]);
    const unordered = (plain.body as { callbacks: Callback[] }).callbacks[0]!;
    expect(unordered).toMatchObject({ ordered: false, rate_limit: null });
    await waitFor(async () => (await stateOf(unordered.id)) !== undefined, { timeoutMs: 3_000, label: 'state published' });
    const state = await stateOf(unordered.id);
    expect(state).not.toHaveProperty('ordered');
    expect(state).not.toHaveProperty('rate_limit');
  });

  it('refuses a rate limit past the installation ceiling or of the wrong shape, and a non-boolean ordered, naming each field', async () => {
    const res = await create([
      { url: 'https://a.example.com/hook', message_type: 'orderEvent', api_version: '1.0', rate_limit: { per_second: 101 } },
      { url: 'https://b.example.com/hook', message_type: 'orderEvent', api_version: '1.0', rate_limit: { per_minute: 6001 } },
      { url: 'https://c.example.com/hook', message_type: 'orderEvent', api_version: '1.0', rate_limit: { per_hour: 5 } },
      { url: 'https://d.example.com/hook', message_type: 'orderEvent', api_version: '1.0', ordered: 'yes' },
    ]);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const errors = (res.body as { errors: Array<{ path: string; message: string }> }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '0.rate_limit.per_second', message: expect.stringContaining('at most 100') }),
        expect.objectContaining({ path: '1.rate_limit.per_minute', message: expect.stringContaining('at most 6000') }),
        expect.objectContaining({ path: '2.rate_limit' }),
        expect.objectContaining({ path: '3.ordered', message: 'ordered must be true or false' }),
      ]),
    );
    const listed = await call(`${svc.api('acme')}/callbacks`, { token });
    expect((listed.body as { callbacks: Callback[] }).callbacks.map((callback) => callback.url)).not.toContain('https://a.example.com/hook');
  });

  it('changes and removes a rate limit by PATCH, and refuses to change ordered', async () => {
    const res = await create([{ url: 'https://patch.example.com/hook', message_type: 'rmaEvent', api_version: '1.0' }]);
    const { id } = (res.body as { callbacks: Callback[] }).callbacks[0]!;
    expect((await patch(id, { rate_limit: { per_minute: 120 } })).body).toMatchObject({ rate_limit: { per_minute: 120 } });
    await waitFor(async () => (await stateOf(id))?.rate_limit !== undefined, { timeoutMs: 3_000, label: 'limit published' });
    expect((await stateOf(id))?.rate_limit).toEqual({ per_minute: 120 });
    expect((await patch(id, { rate_limit: null })).body).toMatchObject({ rate_limit: null });
    await waitFor(async () => (await stateOf(id))?.rate_limit === undefined, { timeoutMs: 3_000, label: 'limit removed' });

    const refused = await patch(id, { ordered: true });
    expect(refused.status).toBe(400);
    expect((refused.body as { errors: Array<{ path: string; message: string }> }).errors).toEqual([expect.objectContaining({ path: 'ordered', message: expect.stringContaining('cannot be changed') })]);
    expect((await patch(id, { ordered: false, rate_limit: { per_second: 5 } })).status).toBe(200);
    const tooFast = await patch(id, { rate_limit: { per_second: 1000 } });
    expect(tooFast.status).toBe(400);
    expect((await call(`${svc.api('acme')}/callbacks/${id}`, { token })).body).toMatchObject({ rate_limit: { per_second: 5 }, ordered: false });
  });
});
