// Holds per message type (the MasonHub "Callback Holds") against real Postgres and NATS, over HTTP.
import { HoldState, type Hold } from '@hookmesh/contracts';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { waitFor } from '@hookmesh/testing';
import pino from 'pino';
import { call, problemCodes, startTestService, type TestService } from '../test-support';

describe('callback holds API', () => {
  let svc: TestService;
  let view: SubscriptionView;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    // A fast pruner, so an expired hold's row and key are seen to go.
    svc = await startTestService({ label: 'holds', pruneIntervalMs: 200 });
    view = await startSubscriptionView({ kv: svc.kv, prefix: svc.prefix, log: pino({ level: 'silent' }) });
    acme = await svc.token('acme');
    globex = await svc.token('globex');
  });
  afterAll(async () => {
    await view?.stop();
    await svc?.close();
  });

  const holds = (account: string, token: string) => call(`${svc.api(account)}/callback_holds`, { token });
  const hold = (account: string, token: string, json: unknown) => call(`${svc.api(account)}/callback_holds`, { method: 'POST', token, json });
  const release = (account: string, token: string, messageType: string) =>
    call(`${svc.api(account)}/callback_holds/${messageType}`, { method: 'DELETE', token });

  it('holds a message type, lists it, and the dispatcher view sees it within a second', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await hold('acme', acme, { message_type: 'orderEvent', reason: 'warehouse migration', expires_at: expiresAt });
    expect(res.status).toBe(201);
    const created = res.body as Hold;
    expect(created).toEqual({ message_type: 'orderEvent', reason: 'warehouse migration', created_at: expect.any(String), expires_at: expiresAt });

    const listed = await holds('acme', acme);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ holds: [created] });

    const state = await waitFor(() => view.activeHold('acme', 'orderEvent'), { timeoutMs: 1_000, label: 'hold in the view' });
    expect(HoldState.parse(state)).toEqual({ account: 'acme', ...created });
  });

  it('answers 409 for a type that is already held and keeps the first hold', async () => {
    const res = await hold('acme', acme, { message_type: 'orderEvent', reason: 'someone else' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await holds('acme', acme)).body).toEqual({ holds: [expect.objectContaining({ message_type: 'orderEvent', reason: 'warehouse migration' })] });
  });

  it('lets exactly one of several concurrent holds of the same type win', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, n) => hold('acme', acme, { message_type: 'inboundShipmentEvent', reason: `racer ${n}` })));
    expect(results.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const winner = results.find((res) => res.status === 201)!.body as Hold;
    expect((await holds('acme', acme)).body).toEqual({ holds: [winner, expect.objectContaining({ message_type: 'orderEvent' })] });
    expect((await release('acme', acme, 'inboundShipmentEvent')).status).toBe(200);
  });

  it('releases a hold, answering it, and the view lets deliveries flow again', async () => {
    const res = await release('acme', acme, 'orderEvent');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message_type: 'orderEvent', reason: 'warehouse migration' });
    expect((await holds('acme', acme)).body).toEqual({ holds: [] });
    await waitFor(() => view.activeHold('acme', 'orderEvent') === undefined, { timeoutMs: 1_000, label: 'hold released in the view' });
    expect((await release('acme', acme, 'orderEvent')).status).toBe(404);
  });

  it('holds without an end when expires_at is absent, and the reason is optional', async () => {
    const res = await hold('acme', acme, { message_type: 'rmaEvent' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ message_type: 'rmaEvent', reason: null, expires_at: null });
    await waitFor(() => view.activeHold('acme', 'rmaEvent'), { timeoutMs: 1_000, label: 'open-ended hold in the view' });
    expect((await release('acme', acme, 'rmaEvent')).status).toBe(200);
  });

  it('refuses bad holds and creates nothing', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ message_type: 'orderEvent', expires_at: new Date(Date.now() - 1_000).toISOString() }, ['expires_at custom']],
      [{ message_type: 'orderShipped' }, ['message_type unknown_message_type']],
      [{ message_type: 'order shipped' }, ['message_type invalid_format']],
      [{ message_type: 'orderEvent', expires_at: 'tomorrow' }, ['expires_at invalid_format']],
      [{ message_type: 'orderEvent', reason: '' }, ['reason too_small']],
      [{ message_type: 'orderEvent', until: '2030-01-01T00:00:00Z' }, [' unrecognized_keys']],
      [[{ message_type: 'orderEvent' }], [' invalid_type']],
    ];
    for (const [json, codes] of cases) {
      const res = await hold('acme', acme, json);
      expect(res.status).toBe(400);
      expect(problemCodes(res)).toEqual(codes);
    }
    const malformed = await call(`${svc.api('acme')}/callback_holds`, { method: 'POST', token: acme, raw: '{"message_type":' });
    expect(malformed.status).toBe(400);
    expect((await holds('acme', acme)).body).toEqual({ holds: [] });
    expect(await svc.db.selectFrom('holds').selectAll().execute()).toEqual([]);
  });

  it('answers 400 when releasing a malformed message type, and 404 for a type that is not held', async () => {
    const res = await release('acme', acme, 'order%20shipped');
    expect(res.status).toBe(400);
    expect(problemCodes(res)).toEqual(['message_type invalid_format']);
    expect((await release('acme', acme, 'orderShipped')).status).toBe(404);
  });

  it('stops holding by itself at expires_at: hidden from GET, then pruned from Postgres and the KV bucket', async () => {
    const expiresAt = new Date(Date.now() + 1_200);
    const res = await hold('acme', acme, { message_type: 'snapshotReady', expires_at: expiresAt.toISOString() });
    expect(res.status).toBe(201);
    await waitFor(() => view.activeHold('acme', 'snapshotReady'), { timeoutMs: 1_000, label: 'expiring hold in the view' });

    await waitFor(async () => ((await holds('acme', acme)).body as { holds: Hold[] }).holds.length === 0, { timeoutMs: 3_000, label: 'hidden from GET' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(view.activeHold('acme', 'snapshotReady')).toBeUndefined();
    await waitFor(async () => (await svc.db.selectFrom('holds').selectAll().execute()).length === 0, { timeoutMs: 3_000, label: 'row pruned' });
    await waitFor(async () => (await svc.kv.get(svc.names.kv.holdKey('acme', 'snapshotReady')))?.operation === 'DEL', {
      timeoutMs: 3_000,
      label: 'key deleted',
    });
    // Holding the type again is allowed: the expired hold no longer counts.
    expect((await hold('acme', acme, { message_type: 'snapshotReady' })).status).toBe(201);
    expect((await release('acme', acme, 'snapshotReady')).status).toBe(200);
  });

  it("keeps accounts apart: another account's hold is neither listed nor releasable", async () => {
    expect((await hold('globex', globex, { message_type: 'qualityEvent', reason: 'globex only' })).status).toBe(201);
    expect((await holds('acme', acme)).body).toEqual({ holds: [] });
    expect((await release('acme', acme, 'qualityEvent')).status).toBe(404);
    expect((await holds('globex', globex)).body).toEqual({ holds: [expect.objectContaining({ message_type: 'qualityEvent' })] });
    expect((await call(`${svc.api('globex')}/callback_holds`, { token: acme })).status).toBe(403);
    expect((await call(`${svc.api('globex')}/callback_holds/qualityEvent`, { method: 'DELETE', token: acme })).status).toBe(403);
    await waitFor(() => view.activeHold('globex', 'qualityEvent'), { timeoutMs: 1_000, label: 'globex hold in the view' });
    expect(view.activeHold('acme', 'qualityEvent')).toBeUndefined();
  });

  it('requires callbacks:write to hold or release and callbacks:read to list', async () => {
    const reader = await svc.token('acme', ['callbacks:read']);
    expect((await holds('acme', reader)).status).toBe(200);
    expect((await hold('acme', reader, { message_type: 'orderEvent' })).status).toBe(403);
    expect((await release('acme', reader, 'orderEvent')).status).toBe(403);
    expect((await holds('acme', await svc.token('acme', ['callbacks:write']))).status).toBe(403);
    expect((await call(`${svc.api('acme')}/callback_holds`)).status).toBe(401);
    expect((await holds('acme', acme)).body).toEqual({ holds: [] });
  });
});
