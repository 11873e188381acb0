// Wire profiles end to end, with the four services as processes: one callback per built-in profile and one custom
// profile, each received by a receiver that verifies the scheme the way its seed describes it (the verification
// is written here, from the seeds; Standard Webhooks also through the published standardwebhooks and svix libraries).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import {
  adminCall,
  call,
  dispatcherViewHolds,
  postEvent,
  registerCallbacks,
  registerEventType,
  startPlatform,
  startReceiver,
  waitFor,
  type CreatedCallback,
  type Platform,
  type ReceivedRequest,
  type TestReceiver,
} from '@hookmesh/testing';
import { eventTypes } from '@hookmesh/contracts';

const ACCOUNT = 'profiles';
const orderData = eventTypes.orderEvent.example.data;
const ordersCreated = { orderId: '42000631', reference: 'Your_ref_60', total: 120 };

const shopProfile = {
  body: 'data',
  headers: { event: 'X-Shop-Topic', attempt: 'X-Shop-Attempt' },
  body_signature: { header: 'X-Shop-Signature', encoding: 'hex', prefix: 'sha256=' },
  standard_webhooks: false,
  secret_format: 'plain',
  signing: 'required',
  user_agent: 'Shop-Webhooks/3.1',
};

const hmac = (key: Buffer, body: string, encoding: 'base64' | 'hex') => createHmac('sha256', key).update(body, 'utf8').digest(encoding);
const whsecKey = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const plainKey = (secret: string) => Buffer.from(secret, 'utf8');
const headerOf = (request: ReceivedRequest, name: string) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
};
const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Each receiver's check, from its seed: true when the request is authentic under `secret`. */
const verifiers: Record<string, (request: ReceivedRequest, secret: string) => boolean> = {
  // Standard Webhooks, with both published libraries.
  standard: (request, secret) => {
    const headers = { 'webhook-id': headerOf(request, 'webhook-id')!, 'webhook-timestamp': headerOf(request, 'webhook-timestamp')!, 'webhook-signature': headerOf(request, 'webhook-signature')! };
    try {
      new StandardWebhook(secret).verify(request.body, headers);
      new SvixWebhook(secret).verify(request.body, headers);
      return true;
    } catch {
      return false;
    }
  },
  // Seed 001: "MasonHub signs webhooks using HMAC-SHA256" (the body HMAC header), Standard Webhooks alongside.
  masonhub: (request, secret) =>
    (headerOf(request, 'X-MasonHub-HMAC-SHA256') ?? '').split(',').some((value) => equal(value, hmac(whsecKey(secret), request.body, 'base64'))) && verifiers['standard']!(request, secret),
  // Seed 003: compute the HMAC digest with the shared secret and compare it to X-Moduslink-HMAC-SHA256 (base64).
  moduslink: (request, secret) => (headerOf(request, 'X-Moduslink-HMAC-SHA256') ?? '').split(',').some((value) => equal(value, hmac(plainKey(secret), request.body, 'base64'))),
  // Seed 004: Malomo-Signature is HMAC-SHA256 of the body with the webhook secret as the key.
  malomo: (request, secret) => (headerOf(request, 'Malomo-Signature') ?? '').split(',').some((value) => equal(value, hmac(plainKey(secret), request.body, 'hex'))),
  shop: (request, secret) => (headerOf(request, 'X-Shop-Signature') ?? '').split(',').some((value) => equal(value, `sha256=${hmac(plainKey(secret), request.body, 'hex')}`)),
};

describe('wire profiles end to end', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  const callbacks: Record<string, CreatedCallback> = {};

  beforeAll(async () => {
    // The Malomo receiver fails every first attempt of a message, so its retry's attempt number shows.
    const seenByMalomo = new Set<string>();
    receiver = await startReceiver((request) => {
      if (request.path !== '/malomo') return { status: 200 };
      const key = request.body;
      if (seenByMalomo.has(key)) return { status: 200 };
      seenByMalomo.add(key);
      return { status: 500, body: 'try again' };
    });
    // Every schedule at a thousandth of its length: ModusLink's 5-minute retries come 300 ms apart.
    platform = await startPlatform({ label: 'profiles', env: { HOOKMESH_RETRY_TIME_SCALE: '0.001' } });
    await registerEventType(platform, 'Orders.Created', {
      schema: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' }, reference: { type: 'string' }, total: { type: 'number' } } },
      example: ordersCreated,
      thin: { object_name: 'orders', object_id: '/orderId', object_reference: '/reference' },
    });
    const defined = await adminCall(platform, 'subscription-service', 'PUT', '/profiles/shop', shopProfile);
    expect(defined.status).toBe(201);
    const created = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/standard'), message_type: 'orderEvent', token: 'standard-token' },
      { url: receiver.url('/masonhub'), message_type: 'orderEvent', token: 'masonhub-token', profile: 'masonhub' },
      { url: receiver.url('/moduslink'), message_type: 'Orders.Created', profile: 'moduslink' },
      { url: receiver.url('/malomo'), message_type: 'Orders.Created', profile: 'malomo' },
      { url: receiver.url('/malomo-unsigned'), message_type: 'Orders.Created', profile: 'malomo', signed: false },
      { url: receiver.url('/shop'), message_type: 'Orders.Created', profile: 'shop' },
    ]);
    for (const callback of created) callbacks[new URL(callback.url).pathname.slice(1)] = callback;
    await dispatcherViewHolds(platform, { callbacks: created.length });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  /** The first request to `path` that was answered 200. */
  const firstTo = (path: string) =>
    waitFor(() => receiver.requests.find((request) => request.path === path && request.status === 200), { timeoutMs: 20_000, label: `a delivery to ${path}` });

  it('delivers each profile exactly as its receivers expect it, verifiable as the seeds describe', async () => {
    const orderMessage = await postEvent(platform, ACCOUNT, 'orderEvent', orderData);
    const createdMessage = await postEvent(platform, ACCOUNT, 'Orders.Created', ordersCreated);

    const standard = await firstTo('/standard');
    expect(headerOf(standard, 'user-agent')).toBe('Hookmesh-Webhook/1.0');
    expect(headerOf(standard, 'X-Hookmesh-Event')).toBe('orderEvent');
    expect(headerOf(standard, 'X-Hookmesh-Callback-Id')).toBe(callbacks['standard']!.id);
    expect(JSON.parse(standard.body)).toMatchObject({ message_id: orderMessage, token: 'standard-token', data: orderData });
    expect(verifiers['standard']!(standard, callbacks['standard']!.secret)).toBe(true);

    const masonhub = await firstTo('/masonhub');
    expect(headerOf(masonhub, 'user-agent')).toBe('MasonHub-Webhook/1.0');
    expect(headerOf(masonhub, 'X-MasonHub-Event')).toBe('orderEvent');
    expect(headerOf(masonhub, 'X-MasonHub-Delivery')).toMatch(/^[0-9a-f-]{36}$/);
    expect(headerOf(masonhub, 'X-Hookmesh-Event')).toBeUndefined();
    expect(verifiers['masonhub']!(masonhub, callbacks['masonhub']!.secret)).toBe(true);

    const moduslink = await firstTo('/moduslink');
    const thin = JSON.parse(moduslink.body) as { eventType: string; eventObjectId: string; eventObjectName: string; eventObjectReference: string; eventDateTime: string; links: Array<{ href: string; rel: string }> };
    expect(Object.keys(thin)).toEqual(['eventType', 'eventObjectId', 'eventObjectName', 'eventObjectReference', 'eventDateTime', 'links']);
    expect(thin).toMatchObject({ eventType: 'Orders.Created', eventObjectId: '42000631', eventObjectName: 'orders', eventObjectReference: 'Your_ref_60' });
    expect(thin.eventDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(thin.links).toEqual([{ href: `/${ACCOUNT}/api/v1/messages/${createdMessage}`, rel: 'orders' }]);
    expect(headerOf(moduslink, 'webhook-signature')).toBeUndefined();
    expect(verifiers['moduslink']!(moduslink, callbacks['moduslink']!.secret)).toBe(true);
    // The link works: the customer reads the full event there with its own token.
    const full = await fetch(`${platform.urls.audit}${thin.links[0]!.href}`, { headers: { authorization: `Bearer ${await platform.token(ACCOUNT, ['deliveries:read'])}` } });
    expect(full.status).toBe(200);
    expect(((await full.json()) as { message: { data: unknown } }).message.data).toEqual(ordersCreated);

    const malomo = await firstTo('/malomo');
    expect(malomo.body).toBe(JSON.stringify(ordersCreated));
    expect(headerOf(malomo, 'user-agent')).toBe('Malomo-Webhook-Agent/2.0');
    expect(headerOf(malomo, 'Malomo-Topic')).toBe('Orders.Created');
    expect(headerOf(malomo, 'Malomo-Webhook-Id')).toBe(callbacks['malomo']!.id);
    // The first attempt got a 500: the one that succeeded is attempt 2.
    expect(headerOf(malomo, 'Malomo-Attempt-Number')).toBe('2');
    expect(receiver.requests.filter((request) => request.path === '/malomo').map((request) => headerOf(request, 'Malomo-Attempt-Number'))).toEqual(['1', '2']);
    expect(verifiers['malomo']!(malomo, callbacks['malomo']!.secret)).toBe(true);

    const unsigned = await firstTo('/malomo-unsigned');
    expect(unsigned.body).toBe(JSON.stringify(ordersCreated));
    expect(headerOf(unsigned, 'Malomo-Signature')).toBeUndefined();
    expect(Object.keys(unsigned.headers).filter((name) => /signature|hmac/i.test(name))).toEqual([]);

    const shop = await firstTo('/shop');
    expect(headerOf(shop, 'user-agent')).toBe('Shop-Webhooks/3.1');
    expect(headerOf(shop, 'X-Shop-Topic')).toBe('Orders.Created');
    expect(headerOf(shop, 'X-Shop-Attempt')).toBe('1');
    expect(verifiers['shop']!(shop, callbacks['shop']!.secret)).toBe(true);
  });

  it('lets a receiver holding either the old or the new secret verify during a rotation overlap, on every scheme', async () => {
    const rotated: Record<string, string> = {};
    for (const path of ['standard', 'masonhub', 'moduslink', 'malomo', 'shop']) {
      const res = await call<{ secret: string }>(platform, 'subscription-service', ACCOUNT, 'POST', `/callbacks/${callbacks[path]!.id}/rotate_secret`, { overlap_seconds: 3600 });
      expect(res.status).toBe(200);
      rotated[path] = res.body.secret;
    }
    expect(rotated['moduslink']).not.toMatch(/^whsec_/);
    expect(rotated['standard']).toMatch(/^whsec_/);
    const before = receiver.requests.length;
    await postEvent(platform, ACCOUNT, 'orderEvent', orderData);
    await postEvent(platform, ACCOUNT, 'Orders.Created', { ...ordersCreated, orderId: '42000632' });
    for (const path of ['standard', 'masonhub', 'moduslink', 'malomo', 'shop']) {
      const request = await waitFor(() => receiver.requests.slice(before).find((r) => r.path === `/${path}` && r.status === 200), { timeoutMs: 20_000, label: `rotated delivery to /${path}` });
      const scheme = path === 'standard' ? 'standard' : path;
      expect([path, 'old', verifiers[scheme]!(request, callbacks[path]!.secret)]).toEqual([path, 'old', true]);
      expect([path, 'new', verifiers[scheme]!(request, rotated[path]!)]).toEqual([path, 'new', true]);
    }
  });
});
