// The per-account and per-(account, message type) callback limits: creating past either is a 409 naming the limit.
import { Problem, type Callback } from '@hookmesh/contracts';
import { call, problemCodes, startTestService, type TestService } from '../test-support';

const item = (n: number, messageType = 'orderEvent') => ({ url: `https://limits.example.com/${n}`, message_type: messageType, api_version: '1.0' });

describe('callback limits', () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({ label: 'cblimits', callbackLimits: { perAccount: 5, perMessageType: 3 } });
  });
  afterAll(async () => {
    await svc?.close();
  });

  async function create(account: string, items: unknown[]) {
    return call(`${svc.api(account)}/callbacks`, { method: 'POST', token: await svc.token(account), json: items });
  }
  async function count(account: string): Promise<number> {
    const res = await call(`${svc.api(account)}/callbacks`, { token: await svc.token(account) });
    return (res.body as { callbacks: Callback[] }).callbacks.length;
  }

  it('refuses a request that would take a message type past its limit with 409 naming the limit, creating none of it', async () => {
    expect((await create('typed', [item(1), item(2)])).status).toBe(201);
    const res = await create('typed', [item(3), item(4, 'rmaEvent')]);
    expect(res.status).toBe(201);
    const over = await create('typed', [item(6)]);
    expect(over.status).toBe(409);
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({
      status: 409,
      type: 'urn:hookmesh:problem:limit-exceeded',
      limit: { name: 'callbacks_per_message_type', max: 3, current: 3, requested: 1, message_type: 'orderEvent' },
    });
    expect((over.body as { detail: string }).detail).toContain('HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE');
    // The answer is the contract's Problem, whose `limit` member the OpenAPI document describes.
    expect(Problem.parse(over.body).limit).toEqual({ name: 'callbacks_per_message_type', max: 3, current: 3, requested: 1, message_type: 'orderEvent' });
    expect(await count('typed')).toBe(4);
  });

  it('refuses a request that would take the account past its limit with 409, and allows it again after a delete', async () => {
    const first = await create('full', [item(1), item(2, 'rmaEvent'), item(3, 'qualityEvent'), item(4, 'shipmentEvent')]);
    expect(first.status).toBe(201);
    const over = await create('full', [item(5, 'rmaEvent'), item(6, 'skuInventoryChange')]);
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ limit: { name: 'callbacks_per_account', max: 5, current: 4, requested: 2 } });
    expect((over.body as { detail: string }).detail).toContain('HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT');
    expect(await count('full')).toBe(4);

    expect((await create('full', [item(5, 'rmaEvent')])).status).toBe(201);
    expect((await create('full', [item(6, 'rmaEvent')])).status).toBe(409);
    const id = ((first.body as { callbacks: Callback[] }).callbacks[0]!).id;
    const deleted = await call(`${svc.api('full')}/callbacks`, { method: 'DELETE', token: await svc.token('full'), json: [id] });
    expect(deleted.status).toBe(200);
    expect((await create('full', [item(6, 'rmaEvent')])).status).toBe(201);
    expect(await count('full')).toBe(5);
  });

  it('counts disabled callbacks too (enabling one again must not pass the limit)', async () => {
    const created = await create('disabled', [item(1), item(2), item(3)]);
    const id = ((created.body as { callbacks: Callback[] }).callbacks[0]!).id;
    await call(`${svc.api('disabled')}/callbacks/${id}`, { method: 'PATCH', token: await svc.token('disabled'), json: { status: 'disabled' } });
    expect((await create('disabled', [item(4)])).status).toBe(409);
  });

  it('holds under concurrent requests: 10 parallel creates of one callback each leave exactly the limit', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => create('racing', [item(n, ['orderEvent', 'rmaEvent', 'qualityEvent', 'shipmentEvent', 'skuInventoryChange'][n % 5]!)])));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(5);
    expect(await count('racing')).toBe(5);
  });

  it('keeps accounts apart: one full account does not limit another', async () => {
    expect((await create('other', [item(1), item(2), item(3)])).status).toBe(201);
    expect(problemCodes(await create('other', [item(4, 'rmaEvent')]))).toEqual([]);
  });
});
