// NATS down: the API keeps answering from Postgres, /readyz says 503, and the KV bucket converges once NATS is back.
import type { CallbackWithSecret } from '@hookmesh/contracts';
import { connectNats, jetstream, openKv, type NatsConnection } from '@hookmesh/messaging';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { startOwnNatsServer, waitFor, type OwnNatsServer } from '@hookmesh/testing';
import { isDeepStrictEqual } from 'node:util';
import pino from 'pino';
import { callbackState } from '../domain/callbacks';
import { holdState } from '../domain/holds';
import { countPendingOutbox } from '../storage/kv-outbox-repository';
import { call, startTestService, type TestService } from '../test-support';

const quiet = pino({ level: 'silent' });

describe('NATS outage', () => {
  let nats: OwnNatsServer;
  let svc: TestService;
  let token: string;
  const connections: NatsConnection[] = [];
  const views: SubscriptionView[] = [];

  beforeAll(async () => {
    nats = await startOwnNatsServer();
    svc = await startTestService({ label: 'outage', natsUrl: nats.url });
    token = await svc.token('acme');
  });
  afterAll(async () => {
    await Promise.all(views.map((view) => view.stop()));
    await Promise.all(connections.map((nc) => nc.close()));
    await svc?.close();
    await nats?.destroy();
  });

  /** A dispatcher-side view on its own connection, as the dispatcher would have. */
  async function dispatcherView(): Promise<SubscriptionView> {
    const nc = await connectNats({ servers: nats.url, name: 'outage-dispatcher', log: quiet });
    connections.push(nc);
    const view = await startSubscriptionView({ kv: await openKv(jetstream(nc), svc.names.kv.bucket), prefix: svc.prefix, log: quiet });
    views.push(view);
    return view;
  }

  /** Whether the view holds exactly what Postgres holds (jsonb reorders keys, so compare structurally). */
  async function viewEqualsDatabase(view: SubscriptionView): Promise<boolean> {
    const now = new Date();
    const callbacks = await svc.db.selectFrom('callbacks').selectAll().execute();
    const holds = await svc.db.selectFrom('holds').selectAll().execute();
    if (view.size().callbacks !== callbacks.length || view.size().holds !== holds.length) return false;
    return (
      callbacks.every((row) => isDeepStrictEqual(view.callback(row.account, row.id), callbackState(row, now))) &&
      holds.every((row) => isDeepStrictEqual(view.activeHold(row.account, row.message_type), holdState(row)))
    );
  }

  it('keeps accepting changes while NATS is down and converges the bucket when it returns', async () => {
    const api = svc.api('acme');
    const created = await call(`${api}/callbacks`, {
      method: 'POST',
      token,
      json: [
        { url: 'https://before.example.com/a', message_type: 'orderEvent', api_version: '1.0' },
        { url: 'https://before.example.com/b', message_type: 'orderEvent', api_version: '1.0' },
      ],
    });
    const [a, b] = (created.body as { callbacks: CallbackWithSecret[] }).callbacks;
    const early = await dispatcherView();
    await waitFor(() => early.size().callbacks === 2, { timeoutMs: 1_000, label: 'initial state in the view' });

    await nats.stop();

    const ready = await call(`${svc.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(ready.body).toMatchObject({ checks: { nats: { ok: false }, postgres: { ok: true } } });

    // Postgres holds every change, so the API answers as usual.
    const during = await call(`${api}/callbacks`, { method: 'POST', token, json: [{ url: 'https://during.example.com/c', message_type: 'rmaEvent', api_version: '1.0' }] });
    expect(during.status).toBe(201);
    const c = (during.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
    expect((await call(`${api}/callbacks/${a!.id}`, { method: 'PATCH', token, json: { url: 'https://during.example.com/moved' } })).status).toBe(200);
    expect((await call(`${api}/callbacks/${a!.id}/rotate_secret`, { method: 'POST', token })).status).toBe(200);
    expect((await call(`${api}/callbacks`, { method: 'DELETE', token, json: [b!.id] })).body).toEqual({ deleted: [b!.id], not_found: [] });
    expect((await call(`${api}/callback_holds`, { method: 'POST', token, json: { message_type: 'orderEvent', reason: 'outage drill' } })).status).toBe(201);

    // Sending an event needs JetStream to store it: that answers 503 and sends nothing.
    const test = await call(`${api}/callbacks/${c.id}/test`, { method: 'POST', token });
    expect(test.status).toBe(503);
    expect(test.headers.get('retry-after')).toBe('5');
    expect(await countPendingOutbox(svc.db)).toBeGreaterThan(0);

    await nats.start();

    await waitFor(async () => (await countPendingOutbox(svc.db)) === 0, { timeoutMs: 10_000, label: 'outbox drained after NATS returned' });
    const cold = await dispatcherView();
    expect(await viewEqualsDatabase(cold)).toBe(true);
    expect(cold.callback('acme', a!.id)?.secrets).toHaveLength(2);
    expect(cold.callback('acme', b!.id)).toBeUndefined();
    expect(cold.activeHold('acme', 'orderEvent')?.reason).toBe('outage drill');
    // The view that lived through the outage catches up too.
    await waitFor(() => viewEqualsDatabase(early), { timeoutMs: 5_000, label: 'long-lived view converged' });

    await waitFor(async () => (await call(`${svc.url}/readyz`)).status === 200, { timeoutMs: 5_000, label: 'ready again' });
    expect((await call(`${api}/callbacks/${c.id}/test`, { method: 'POST', token })).status).toBe(202);
  });

  it('answers 503 for an event type NATS cannot take, keeps the row, and publishes it once NATS is back', async () => {
    const admin = await svc.adminToken();
    const url = `${svc.adminApi}/event_types/Rmas.Created`;
    const definition = { schema: { type: 'object', required: ['rma_id'] }, example: { rma_id: 'r-1' } };
    await nats.stop();
    const started = Date.now();
    const res = await call(url, { method: 'PUT', token: admin, json: definition });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((res.body as { detail: string }).detail).toMatch(/stored but has not reached the subscription state/);
    // Answered within the publish wait (1 s) plus a margin, not after NATS's own timeouts.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await svc.db.selectFrom('event_types').select(['message_type', 'version']).execute()).toEqual([{ message_type: 'Rmas.Created', version: 1 }]);

    await nats.start();
    const view = await dispatcherView();
    await waitFor(() => view.eventType('Rmas.Created')?.version === 1, { timeoutMs: 10_000, label: 'the outbox published the type' });
    // The retry the 503 asked for confirms without making a new version.
    const retried = await call(url, { method: 'PUT', token: admin, json: definition });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ version: 1 });
  });
});
