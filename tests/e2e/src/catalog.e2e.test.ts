// The event catalog end to end, with the four services as processes: an operator registers ModusLink- and
// Malomo-style types through the API, customers subscribe, producers post, receivers verify, audit records.
import { Webhook } from 'standardwebhooks';
import {
  adminCall,
  call,
  dispatcherViewHolds,
  messageDeliveries,
  postEvent,
  registerCallbacks,
  registerEventType,
  startPlatform,
  startReceiver,
  waitFor,
  type Platform,
  type TestReceiver,
} from '@hookmesh/testing';

const ACCOUNT = 'catalog';

// ModusLink names its events `Orders.Created` (its webhook docs); the data is the order the reference points at.
const ordersCreated = {
  description: 'ModusLink: an order was created',
  schema: {
    type: 'object',
    required: ['orderId', 'reference', 'lines'],
    properties: {
      orderId: { type: 'string', minLength: 1 },
      reference: { type: 'string' },
      lines: { type: 'array', minItems: 1, items: { type: 'object', required: ['sku', 'quantity'], properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } } } },
    },
  },
  example: { orderId: '42000631', reference: 'Your_ref_60', lines: [{ sku: 'shirt-1', quantity: 2 }] },
  thin: { object_name: 'orders', object_id: '/orderId', object_reference: '/reference' },
};

// the Malomo topics are `orders:created` (the Malomo webhook docs); the body is the Order resource.
const malomoOrder = {
  description: 'Malomo: an order was created',
  schema: {
    type: 'object',
    required: ['id', 'number', 'customer'],
    properties: { id: { type: 'string' }, number: { type: 'string' }, customer: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } } },
  },
  example: { id: 'ord_1', number: '#1001', customer: { email: 'ada@example.com' } },
};

function envelopeOf(request: { body: string }): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}

describe('registered message types end to end', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ label: 'catalog' });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('registers ModusLink and Malomo types, delivers their events verifiably, and audits them as delivered', async () => {
    expect((await registerEventType(platform, 'Orders.Created', ordersCreated)).version).toBe(1);
    expect((await registerEventType(platform, 'orders:created', malomoOrder)).version).toBe(1);
    const [moduslink, malomo] = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/moduslink'), message_type: 'Orders.Created' },
      { url: receiver.url('/malomo'), message_type: 'orders:created' },
    ]);
    await dispatcherViewHolds(platform, { callbacks: 2 });

    const catalog = await call<{ event_types: Array<{ message_type: string; example: unknown }> }>(platform, 'subscription-service', ACCOUNT, 'GET', '/event_types');
    const listed = new Map(catalog.body.event_types.map((entry) => [entry.message_type, entry.example]));
    expect(listed.get('Orders.Created')).toEqual(ordersCreated.example);
    expect(listed.get('orders:created')).toEqual(malomoOrder.example);

    // The catalog's example is what POST /events takes, as-is.
    const first = await postEvent(platform, ACCOUNT, 'Orders.Created', listed.get('Orders.Created'));
    const second = await postEvent(platform, ACCOUNT, 'orders:created', listed.get('orders:created'));

    for (const [callback, path, messageId, type, data] of [
      [moduslink!, '/moduslink', first, 'Orders.Created', ordersCreated.example],
      [malomo!, '/malomo', second, 'orders:created', malomoOrder.example],
    ] as const) {
      const request = await waitFor(() => receiver.requests.find((r) => r.path === path), { timeoutMs: 15_000, label: `delivery to ${path}` });
      expect(request.headers['x-hookmesh-event']).toBe(type);
      const verified = new Webhook(callback.secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
      expect(verified).toEqual(envelopeOf(request));
      expect(envelopeOf(request)).toMatchObject({ message_type: type, message_id: messageId, data });
      const deliveries = await waitFor(
        async () => {
          const found = await messageDeliveries(platform, ACCOUNT, messageId);
          return found.length === 1 && found[0]!.status === 'delivered' ? found : undefined;
        },
        { timeoutMs: 15_000, label: `audit shows ${messageId} delivered` },
      );
      expect(deliveries[0]!.callback_id).toBe(callback.id);
    }

    const filtered = await call<{ deliveries: Array<{ message_id: string }> }>(platform, 'audit', ACCOUNT, 'GET', '/deliveries?message_type=orders:created');
    expect(filtered.body.deliveries.map((delivery) => delivery.message_id)).toEqual([second]);
  });

  it('refuses data that does not fit, naming the field, and checks against a replaced schema within a second', async () => {
    const invalid = await call<{ errors: Array<{ path: string; code: string }> }>(platform, 'event-ingest', ACCOUNT, 'POST', '/events', {
      message_type: 'Orders.Created',
      data: { orderId: '', reference: 'r', lines: [{ sku: 'x', quantity: 0 }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error) => `${error.path} ${error.code}`).sort()).toEqual(['data.lines.0.quantity minimum', 'data.orderId minLength']);

    // Version 2 requires a channel; an event without one is refused as soon as the PUT was answered.
    const stricter = { ...ordersCreated, schema: { ...ordersCreated.schema, required: [...ordersCreated.schema.required, 'channel'] }, example: { ...ordersCreated.example, channel: 'web' } };
    expect((await registerEventType(platform, 'Orders.Created', stricter)).version).toBe(2);
    const started = Date.now();
    const refused = await waitFor(
      async () => {
        const res = await call<{ errors: Array<{ path: string }> }>(platform, 'event-ingest', ACCOUNT, 'POST', '/events', { message_type: 'Orders.Created', data: ordersCreated.example });
        return res.status === 400 ? res : undefined;
      },
      { timeoutMs: 1_000, intervalMs: 20, label: 'version 2 checked at ingest' },
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(refused.body.errors.map((error) => error.path)).toEqual(['data.channel']);
    expect(await postEvent(platform, ACCOUNT, 'Orders.Created', stricter.example)).toEqual(expect.any(String));
  });

  it('archives a type: new events and callbacks get 409, and a delivery already pending still arrives', async () => {
    receiver.requests.length = 0;
    // Held, so the event is still pending when its type is archived.
    expect((await call(platform, 'subscription-service', ACCOUNT, 'POST', '/callback_holds', { message_type: 'orders:created' })).status).toBe(201);
    await dispatcherViewHolds(platform, { callbacks: 2, holds: 1 });
    const pending = await postEvent(platform, ACCOUNT, 'orders:created', malomoOrder.example);
    await waitFor(async () => (await messageDeliveries(platform, ACCOUNT, pending))[0]?.status === 'held', { timeoutMs: 15_000, label: 'delivery held' });

    const archived = await adminCall<{ archived: boolean }>(platform, 'subscription-service', 'DELETE', '/event_types/orders:created');
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);

    const refused = await call<{ detail: string }>(platform, 'event-ingest', ACCOUNT, 'POST', '/events', { message_type: 'orders:created', data: malomoOrder.example });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const newCallback = await call(platform, 'subscription-service', ACCOUNT, 'POST', '/callbacks', [{ url: receiver.url('/late'), message_type: 'orders:created', api_version: '1.0' }]);
    expect(newCallback.status).toBe(409);

    expect((await call(platform, 'subscription-service', ACCOUNT, 'DELETE', '/callback_holds/orders:created')).status).toBe(200);
    await waitFor(async () => (await messageDeliveries(platform, ACCOUNT, pending))[0]?.status === 'delivered', { timeoutMs: 15_000, label: 'pending delivery of the archived type delivered' });
    expect(receiver.requests.filter((request) => request.path === '/malomo')).toHaveLength(1);
  });
});
