import { generateSecret, natsNames, parseSecretsKey, sealSecret, type CallbackState, type HoldState } from '@hookmesh/contracts';
import { connectNats, jetstream, openKv, type KV, type NatsConnection } from '@hookmesh/messaging';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { startSubscriptionView, type SubscriptionView, type ViewChange } from './index';

const log = pino({ level: 'silent' });
const [key] = parseSecretsKey(randomBytes(32).toString('base64'));

function callbackState(overrides: Partial<CallbackState> & Pick<CallbackState, 'id'>): CallbackState {
  return {
    account: 'acme',
    url: 'https://hooks.example.com/orders',
    message_type: 'orderEvent',
    api_version: '1.0',
    status: 'active',
    secrets: [{ secret: sealSecret(generateSecret(), key!) }],
    profile: 'standard',
    signed: true,
    updated_at: new Date().toISOString(),
    ...overrides,
  };
}

describe('startSubscriptionView', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let kv: KV;
  let names: ReturnType<typeof natsNames>;
  const views: SubscriptionView[] = [];

  beforeAll(async () => {
    testNats = await createTestNats('view');
    names = natsNames(testNats.prefix);
    nc = await connectNats({ servers: testNats.url, name: 'view-test', log });
    kv = await openKv(jetstream(nc), names.kv.bucket);
  });
  afterAll(async () => {
    await Promise.all(views.map((view) => view.stop()));
    await nc.drain();
    await testNats.cleanup();
  });

  async function start(): Promise<SubscriptionView> {
    const view = await startSubscriptionView({ kv, prefix: testNats.prefix, log });
    views.push(view);
    return view;
  }

  it('starts on an empty bucket and sees changes within a second', async () => {
    const view = await start();
    const changes: ViewChange[] = [];
    view.onChange((change) => changes.push(change));
    expect(view.activeCallbacks('acme', 'orderEvent')).toEqual([]);

    await kv.put(names.kv.callbackKey('acme', 'cb-1'), JSON.stringify(callbackState({ id: 'cb-1' })));
    await waitFor(() => view.activeCallbacks('acme', 'orderEvent').length === 1, { timeoutMs: 1_000, label: 'cb-1 visible' });
    expect(changes[0]).toMatchObject({ kind: 'callback', callbackId: 'cb-1' });

    await kv.put(names.kv.callbackKey('acme', 'cb-1'), JSON.stringify(callbackState({ id: 'cb-1', status: 'disabled' })));
    await waitFor(() => view.activeCallbacks('acme', 'orderEvent').length === 0, { timeoutMs: 1_000, label: 'cb-1 disabled' });
    expect(view.callback('acme', 'cb-1')?.status).toBe('disabled');

    await kv.delete(names.kv.callbackKey('acme', 'cb-1'));
    await waitFor(() => view.callback('acme', 'cb-1') === undefined, { timeoutMs: 1_000, label: 'cb-1 deleted' });
  });

  it('keeps accounts and message types apart', async () => {
    const view = await start();
    await kv.put(names.kv.callbackKey('acme', 'cb-a'), JSON.stringify(callbackState({ id: 'cb-a' })));
    await kv.put(names.kv.callbackKey('globex', 'cb-g'), JSON.stringify(callbackState({ id: 'cb-g', account: 'globex' })));
    await kv.put(names.kv.callbackKey('acme', 'cb-s'), JSON.stringify(callbackState({ id: 'cb-s', message_type: 'skuInventoryChange' })));
    await waitFor(() => view.size().callbacks >= 3, { timeoutMs: 1_000, label: 'three callbacks' });
    expect(view.activeCallbacks('acme', 'orderEvent').map((c) => c.id)).toEqual(['cb-a']);
    expect(view.activeCallbacks('globex', 'orderEvent').map((c) => c.id)).toEqual(['cb-g']);
    expect(view.activeCallbacks('acme', 'skuInventoryChange').map((c) => c.id)).toEqual(['cb-s']);
  });

  it('rebuilds the whole state cold from the bucket alone', async () => {
    for (let n = 0; n < 50; n += 1) {
      await kv.put(names.kv.callbackKey('bulk', `cb-${n}`), JSON.stringify(callbackState({ id: `cb-${n}`, account: 'bulk' })));
    }
    const hold: HoldState = { account: 'bulk', message_type: 'orderEvent', reason: 'maintenance', created_at: new Date().toISOString(), expires_at: null };
    await kv.put(names.kv.holdKey('bulk', 'orderEvent'), JSON.stringify(hold));
    await kv.put('cb.bulk.broken', '{"not":"a callback"}');

    const cold = await start();
    expect(cold.activeCallbacks('bulk', 'orderEvent')).toHaveLength(50);
    expect(cold.activeHold('bulk', 'orderEvent')?.reason).toBe('maintenance');
    expect(cold.callback('bulk', 'broken')).toBeUndefined();
  });

  it('treats an expired hold as released without anyone deleting it', async () => {
    const view = await start();
    const expiresAt = new Date(Date.now() + 60_000);
    const hold: HoldState = { account: 'acme', message_type: 'rmaEvent', reason: null, created_at: new Date().toISOString(), expires_at: expiresAt.toISOString() };
    await kv.put(names.kv.holdKey('acme', 'rmaEvent'), JSON.stringify(hold));
    await waitFor(() => view.activeHold('acme', 'rmaEvent'), { timeoutMs: 1_000, label: 'hold visible' });
    expect(view.activeHold('acme', 'rmaEvent', new Date(expiresAt.getTime() + 1))).toBeUndefined();
    await kv.delete(names.kv.holdKey('acme', 'rmaEvent'));
    await waitFor(() => !view.activeHold('acme', 'rmaEvent'), { timeoutMs: 1_000, label: 'hold released' });
  });
});
