// The KV bucket follows Postgres: cold rebuilds, reconcile of lost and stray keys, the outbox drained.
import { generateSecret, sealSecret, type CallbackState, type CallbackWithSecret } from '@hookmesh/contracts';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { waitFor } from '@hookmesh/testing';
import pino from 'pino';
import { callbackState } from '../domain/callbacks';
import { holdState } from '../domain/holds';
import { countPendingOutbox } from '../storage/kv-outbox-repository';
import { pruneExpired } from '../storage/prune-expired';
import { call, startTestService, type TestService } from '../test-support';

const quiet = pino({ level: 'silent' });

describe('state publisher', () => {
  let svc: TestService;
  const views: SubscriptionView[] = [];

  beforeAll(async () => {
    svc = await startTestService({ label: 'publisher' });
  });
  afterAll(async () => {
    await Promise.all(views.map((view) => view.stop()));
    await svc?.close();
  });

  async function startView(): Promise<SubscriptionView> {
    const view = await startSubscriptionView({ kv: svc.kv, prefix: svc.prefix, log: quiet });
    views.push(view);
    return view;
  }

  /** Asserts the view holds exactly what Postgres holds: every callback and every active hold, nothing else. */
  async function expectViewEqualsDatabase(view: SubscriptionView): Promise<void> {
    const now = new Date();
    const callbacks = await svc.db.selectFrom('callbacks').selectAll().execute();
    const holds = await svc.db.selectFrom('holds').selectAll().execute();
    expect(view.size()).toEqual({ callbacks: callbacks.length, holds: holds.length, eventTypes: 0, profiles: 0 });
    for (const row of callbacks) expect(view.callback(row.account, row.id)).toEqual(callbackState(row, now));
    for (const row of holds) expect(view.activeHold(row.account, row.message_type)).toEqual(holdState(row));
  }

  it('lets a dispatcher that starts cold rebuild the whole state from the bucket after many changes', async () => {
    const created: Array<{ account: string; callback: CallbackWithSecret }> = [];
    for (const account of ['acme', 'globex', 'initech']) {
      const token = await svc.token(account);
      const items = Array.from({ length: 12 }, (_, n) => ({
        url: `https://${account}.example.com/hooks/${n}`,
        message_type: n % 2 === 0 ? 'orderEvent' : 'skuInventoryChange',
        api_version: '1.0',
        ...(n % 3 === 0 ? { token: `token-${account}-${n}` } : {}),
      }));
      const res = await call(`${svc.api(account)}/callbacks`, { method: 'POST', token, json: items });
      expect(res.status).toBe(201);
      for (const callback of (res.body as { callbacks: CallbackWithSecret[] }).callbacks) created.push({ account, callback });
      const [first, second, third, fourth] = (res.body as { callbacks: CallbackWithSecret[] }).callbacks;
      expect((await call(`${svc.api(account)}/callbacks/${first!.id}`, { method: 'PATCH', token, json: { status: 'disabled' } })).status).toBe(200);
      expect((await call(`${svc.api(account)}/callbacks/${second!.id}`, { method: 'PATCH', token, json: { url: `https://${account}.example.com/moved` } })).status).toBe(200);
      expect((await call(`${svc.api(account)}/callbacks/${third!.id}/rotate_secret`, { method: 'POST', token, json: {} })).status).toBe(200);
      expect((await call(`${svc.api(account)}/callbacks`, { method: 'DELETE', token, json: [fourth!.id] })).status).toBe(200);
      expect((await call(`${svc.api(account)}/callback_holds`, { method: 'POST', token, json: { message_type: 'orderEvent', reason: `${account} hold` } })).status).toBe(201);
    }
    await waitFor(async () => (await countPendingOutbox(svc.db)) === 0, { timeoutMs: 2_000, label: 'outbox drained' });

    const cold = await startView();
    await expectViewEqualsDatabase(cold);
    expect(cold.size().callbacks).toBe(33);
    expect(cold.activeHold('globex', 'orderEvent')?.reason).toBe('globex hold');
  });

  it('reconcile restores a lost key and deletes a key that has no row', async () => {
    const [row] = await svc.db.selectFrom('callbacks').selectAll().where('account', '=', 'acme').limit(1).execute();
    const lostKey = svc.names.kv.callbackKey('acme', row!.id);
    await svc.kv.delete(lostKey);
    const stray: CallbackState = {
      id: '0191d7a0-0000-7000-8000-00000000beef',
      account: 'acme',
      url: 'https://stray.example.com/hook',
      message_type: 'orderEvent',
      api_version: '1.0',
      status: 'active',
      secrets: [{ secret: sealSecret(generateSecret(), svc.keys[0]!) }],
      profile: 'standard',
      signed: true,
      updated_at: new Date().toISOString(),
    };
    await svc.kv.put(svc.names.kv.callbackKey('acme', stray.id), JSON.stringify(stray));
    await svc.kv.put(svc.names.kv.holdKey('acme', 'rmaEvent'), JSON.stringify({ account: 'acme', message_type: 'rmaEvent', reason: null, created_at: new Date().toISOString(), expires_at: null }));
    const view = await startView();
    expect(view.callback('acme', stray.id)).toBeDefined();
    expect(view.callback('acme', row!.id)).toBeUndefined();

    await expect(svc.publisher.reconcile()).resolves.toBe(true);
    await waitFor(() => view.callback('acme', stray.id) === undefined && view.callback('acme', row!.id) !== undefined, {
      timeoutMs: 1_000,
      label: 'bucket reconciled',
    });
    expect(view.activeHold('acme', 'rmaEvent')).toBeUndefined();
    await expectViewEqualsDatabase(view);
  });

  it('publishes each change through the outbox and counts the writes', async () => {
    const token = await svc.token('acme');
    const res = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: { url: 'https://count.example.com/hook', message_type: 'rmaEvent', api_version: '1.0' } });
    const [callback] = (res.body as { callbacks: CallbackWithSecret[] }).callbacks;
    const entry = await waitFor(() => svc.kv.get(svc.names.kv.callbackKey('acme', callback!.id)), { timeoutMs: 1_000, label: 'key written' });
    expect((entry.json() as CallbackState).url).toBe('https://count.example.com/hook');
    expect(await countPendingOutbox(svc.db)).toBe(0);
    const metrics = await call(`${svc.url}/metrics`);
    expect(metrics.text).toMatch(/hookmesh_subscription_kv_outbox_pending 0/);
    expect(metrics.text).toMatch(/hookmesh_subscription_kv_writes_total\{operation="delete",outcome="ok"\} [1-9]/);
  });

  it('prunes secrets whose rotation overlap ended and republishes the callback with the current one only', async () => {
    const token = await svc.token('acme');
    const res = await call(`${svc.api('acme')}/callbacks`, { method: 'POST', token, json: { url: 'https://prune.example.com/hook', message_type: 'orderEvent', api_version: '1.0' } });
    const [callback] = (res.body as { callbacks: CallbackWithSecret[] }).callbacks;
    const rotated = await call(`${svc.api('acme')}/callbacks/${callback!.id}/rotate_secret`, { method: 'POST', token, json: { overlap_seconds: 60 } });
    const view = await startView();
    await waitFor(() => view.callback('acme', callback!.id)?.secrets.length === 2, { timeoutMs: 1_000, label: 'two secrets during the overlap' });

    // An hour later the overlap is over: the pruner drops the old secret from the row and the bucket.
    const later = new Date(Date.now() + 3_600_000);
    expect(await pruneExpired(svc.db, later)).toEqual({ holds: 0, secrets: 1 });
    svc.publisher.kick();
    await waitFor(() => view.callback('acme', callback!.id)?.secrets.length === 1, { timeoutMs: 1_000, label: 'old secret gone from the view' });
    const row = await svc.db.selectFrom('callbacks').selectAll().where('id', '=', callback!.id).executeTakeFirstOrThrow();
    expect(row.secrets).toEqual(view.callback('acme', callback!.id)!.secrets);
    expect((rotated.body as { secret: string }).secret).toMatch(/^whsec_/);
    expect(await pruneExpired(svc.db, later)).toEqual({ holds: 0, secrets: 0 });
  });
});
