// /admin/api/v1/operational_callbacks (real Postgres and NATS): the operator's endpoints for operational events are
// callbacks of the reserved account, one state with every type they take, which no account route can reach.
import { CallbackState, type CreatedOperationalCallback, type OperationalCallback } from '@hookmesh/contracts';
import { waitFor } from '@hookmesh/testing';
import { call, startTestService, type TestService } from '../test-support';

describe('operational callbacks', () => {
  let svc: TestService;
  let admin: string;

  beforeAll(async () => {
    svc = await startTestService({ label: 'opcb' });
    admin = await svc.adminToken();
  });
  afterAll(async () => {
    await svc?.close();
  });

  const url = () => `${svc.adminApi}/operational_callbacks`;

  it('registers one, shows its Standard Webhooks secret once, lists it and publishes one state taking every type', async () => {
    const res = await call(url(), { method: 'POST', token: admin, json: { url: 'https://ops.example.com/hookmesh', events: ['callback.disabled', 'delivery.failed'], token: 'ops-token' } });
    expect(res.status).toBe(201);
    const created = res.body as CreatedOperationalCallback;
    expect(created).toMatchObject({ url: 'https://ops.example.com/hookmesh', events: ['callback.disabled', 'delivery.failed'], status: 'active' });
    expect(created.secret).toMatch(/^whsec_/);

    const listed = await call(url(), { token: admin });
    expect(listed.status).toBe(200);
    const { operational_callbacks: all } = listed.body as { operational_callbacks: OperationalCallback[] };
    expect(all).toEqual([expect.objectContaining({ id: created.id, events: ['callback.disabled', 'delivery.failed'] })]);
    expect(all[0]).not.toHaveProperty('secret');

    await waitFor(async () => (await svc.kv.get(svc.names.kv.callbackKey('admin', created.id)))?.operation === 'PUT', { timeoutMs: 3_000, label: 'state published' });
    const state = CallbackState.parse((await svc.kv.get(svc.names.kv.callbackKey('admin', created.id)))!.json());
    expect(state).toMatchObject({ account: 'admin', message_type: 'callback.disabled', message_types: ['callback.disabled', 'delivery.failed'], profile: 'standard', signed: true });

    const removed = await call(`${url()}/${created.id}`, { method: 'DELETE', token: admin });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: created.id });
    await waitFor(async () => (await svc.kv.get(svc.names.kv.callbackKey('admin', created.id)))?.operation !== 'PUT', { timeoutMs: 3_000, label: 'state removed' });
    expect((await call(`${url()}/${created.id}`, { method: 'DELETE', token: admin })).status).toBe(404);
  });

  it('refuses unknown or repeated events, a URL the policy refuses and an account token, changing nothing', async () => {
    const bad = await call(url(), { method: 'POST', token: admin, json: { url: 'http://10.0.0.1/hook', events: ['callback.exploded', 'delivery.failed'] } });
    expect(bad.status).toBe(400);
    const paths = (bad.body as { errors: Array<{ path: string }> }).errors.map((issue) => issue.path);
    expect(paths.sort()).toEqual(['events.0', 'url']);
    const repeated = await call(url(), { method: 'POST', token: admin, json: { url: 'https://ops.example.com/x', events: ['delivery.failed', 'delivery.failed'] } });
    expect((repeated.body as { errors: Array<{ path: string; message: string }> }).errors).toEqual([expect.objectContaining({ path: 'events', message: 'events must not repeat an event' })]);
    expect((await call(url(), { method: 'POST', token: admin, json: { url: 'https://ops.example.com/x', events: [] } })).status).toBe(400);
    const customer = await svc.token('acme');
    expect((await call(url(), { method: 'POST', token: customer, json: { url: 'https://ops.example.com/x', events: ['delivery.failed'] } })).status).toBe(403);
    expect(((await call(url(), { token: admin })).body as { operational_callbacks: unknown[] }).operational_callbacks).toEqual([]);
  });
});
