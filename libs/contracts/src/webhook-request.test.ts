// Each built-in profile against the text of the seed it reproduces. The verification in each test is written again
// from the seed (node:crypto only), not taken from the code under test.
import { describe, expect, it } from '@jest/globals';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { eventTypes } from './events';
import { builtinProfiles, WireProfile } from './profiles';
import { generateSecret } from './signing';
import { buildWebhookRequest, signingKeyOf, thinBody, webhookBody, type WebhookEvent } from './webhook-request';

const profiles = builtinProfiles();
// Signing time: now, since the Standard Webhooks library refuses timestamps older than five minutes.
const now = new Date();
const plainSecret = 'moduslink-shared-secret-0123456789abcdef';

const orderEvent: WebhookEvent = {
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  message_type: 'orderEvent',
  account: 'acme',
  api_version: '1.0',
  data: eventTypes.orderEvent.example.data,
  ingested_at: '2018-08-06T15:11:19.000Z',
};

/** The headers as a receiver reads them: case-insensitive. */
function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

describe('the standard profile (Hookmesh)', () => {
  it('sends the envelope with X-Hookmesh headers, a body HMAC and Standard Webhooks signatures', () => {
    const secret = generateSecret();
    const request = buildWebhookRequest({
      profile: profiles.standard,
      event: orderEvent,
      callback: { id: 'cb-1', url: 'https://client.example/hooks', token: 'tok', signed: true },
      deliveryId: 'd-1',
      attempt: 2,
      keys: [signingKeyOf(secret, 'whsec')],
      now,
    });
    expect(Object.keys(request.headers)).toEqual([
      'user-agent',
      'content-type',
      'X-Hookmesh-Event',
      'X-Hookmesh-Delivery',
      'X-Hookmesh-Attempt',
      'X-Hookmesh-Callback-Id',
      'X-Hookmesh-HMAC-SHA256',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    expect(request.headers).toMatchObject({ 'user-agent': 'Hookmesh-Webhook/1.0', 'X-Hookmesh-Event': 'orderEvent', 'X-Hookmesh-Attempt': '2', 'X-Hookmesh-Callback-Id': 'cb-1' });
    const verified = new Webhook(secret).verify(request.body.toString('utf8'), {
      'webhook-id': request.headers['webhook-id']!,
      'webhook-timestamp': request.headers['webhook-timestamp']!,
      'webhook-signature': request.headers['webhook-signature']!,
    }) as unknown;
    expect(verified).toEqual({ callback_url: 'https://client.example/hooks', message_type: 'orderEvent', message_id: orderEvent.message_id, api_version: '1.0', token: 'tok', data: orderEvent.data });
  });
});

describe('a redelivery', () => {
  it('restarts the attempt number and says which redelivery series it is in <prefix>-Redelivery (absent on the first series)', () => {
    const base = {
      profile: profiles.standard,
      event: orderEvent,
      callback: { id: 'cb-1', url: 'https://client.example/hooks', signed: true },
      deliveryId: 'd-1',
      attempt: 1,
      keys: [signingKeyOf(generateSecret(), 'whsec')],
      now,
    };
    expect(buildWebhookRequest({ ...base, series: 0 }).headers['X-Hookmesh-Redelivery']).toBeUndefined();
    const redelivered = buildWebhookRequest({ ...base, series: 2 }).headers;
    expect(redelivered).toMatchObject({ 'X-Hookmesh-Attempt': '1', 'X-Hookmesh-Redelivery': '2', 'X-Hookmesh-Delivery': 'd-1', 'webhook-id': orderEvent.message_id });
  });
});

describe('the masonhub profile (MasonHub)', () => {
  // Seed 000 "Request Headers": User-Agent: MasonHub-Webhook/1.0, Content-Type: application/json,
  // X-MasonHub-Event: orderEvent, X-MasonHub-Delivery: <uuid>. Seed 001: "MasonHub signs webhooks using HMAC-SHA256".
  const secret = generateSecret();
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const request = buildWebhookRequest({
    profile: profiles.masonhub,
    event: orderEvent,
    callback: { id: 'cb-1', url: 'https://api.clienturl.com/webhook', token: 'your_encrypted_verification_token', signed: true },
    deliveryId: '4a7e1c2b-9d3f-4e8a-b6c5-1f2e3d4c5b6a',
    attempt: 1,
    keys: [signingKeyOf(secret, 'whsec')],
    now,
  });

  it('names the headers exactly as the MasonHub Callback API shows them', () => {
    expect(request.headers['user-agent']).toBe('MasonHub-Webhook/1.0');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['X-MasonHub-Event']).toBe('orderEvent');
    expect(request.headers['X-MasonHub-Delivery']).toBe('4a7e1c2b-9d3f-4e8a-b6c5-1f2e3d4c5b6a');
    expect(request.headers['X-MasonHub-Attempt']).toBe('1');
    expect(Object.keys(request.headers).filter((name) => name.startsWith('X-Hookmesh'))).toEqual([]);
  });

  it('sends the MasonHub payload structure, token inside, in its documented order', () => {
    expect(request.body.toString('utf8')).toBe(
      JSON.stringify({
        callback_url: 'https://api.clienturl.com/webhook',
        message_type: 'orderEvent',
        message_id: orderEvent.message_id,
        api_version: '1.0',
        token: 'your_encrypted_verification_token',
        data: orderEvent.data,
      }),
    );
  });

  it('signs the raw body with HMAC-SHA256 in X-MasonHub-HMAC-SHA256 (base64, padded)', () => {
    const expected = createHmac('sha256', key).update(request.body).digest('base64');
    expect(request.headers['X-MasonHub-HMAC-SHA256']).toBe(expected);
    expect(expected.endsWith('=')).toBe(true);
  });
});

describe('the moduslink profile (the ModusLink webhook docs)', () => {
  const ordersCreated: WebhookEvent = {
    message_id: '01937a8e-0000-7000-8000-000000000001',
    message_type: 'Orders.Created',
    account: 'acme',
    api_version: '1.0',
    data: { orderId: '42000631', reference: 'Your_ref_60', lines: [] },
    ingested_at: '2019-03-27T14:58:03.417Z',
  };
  const thin = { object_name: 'orders', object_id: '/orderId', object_reference: '/reference' };
  const request = buildWebhookRequest({
    profile: profiles.moduslink,
    event: ordersCreated,
    thin,
    callback: { id: 'cb-2', url: 'https://client.example/moduslink', signed: true },
    deliveryId: 'd-2',
    attempt: 1,
    keys: [signingKeyOf(plainSecret, 'plain')],
    now,
  });

  it('sends the "Sample Order Webhook message" of the ModusLink webhook docs, its link pointing at the full event in audit', () => {
    // The seed's sample, field for field and in its order; only the link's href is Hookmesh's (audit's message view).
    const sample = {
      eventType: 'Orders.Created',
      eventObjectId: '42000631',
      eventObjectName: 'orders',
      eventObjectReference: 'Your_ref_60',
      eventDateTime: '2019-03-27T14:58:03',
      links: [{ href: `/acme/api/v1/messages/${ordersCreated.message_id}`, rel: 'orders' }],
    };
    expect(request.body.toString('utf8')).toBe(JSON.stringify(sample));
  });

  it('signs it in a base64 X-Moduslink-HMAC-SHA256 header that a receiver verifies with the shared secret, padded or not', () => {
    // Seed 003: "compute the HMAC digest value and compare it to the value in the X-Moduslink-HMAC-SHA256 header";
    // "excluding the padding characters (=) ... is supported".
    const value = request.headers['X-Moduslink-HMAC-SHA256']!;
    const digest = createHmac('sha256', Buffer.from(plainSecret, 'utf8')).update(request.body).digest();
    const given = Buffer.from(value.replace(/=+$/, ''), 'base64');
    expect(given.length === digest.length && timingSafeEqual(given, digest)).toBe(true);
    expect(value).toBe(digest.toString('base64'));
  });

  it('sends no other Hookmesh header and no Standard Webhooks headers', () => {
    expect(Object.keys(request.headers).sort()).toEqual(['X-Moduslink-HMAC-SHA256', 'content-type', 'user-agent']);
  });

  it('falls back to the message id and type when a type has no thin mapping', () => {
    expect(thinBody(ordersCreated, undefined)).toMatchObject({ eventObjectId: ordersCreated.message_id, eventObjectName: 'Orders.Created', eventObjectReference: null });
  });

  it('retries 5 times 5 minutes apart after the first try', () => {
    expect(profiles.moduslink.retry_schedule).toBe('0,5m,5m,5m,5m,5m');
  });
});

describe('the malomo profile (the Malomo webhook docs)', () => {
  const order = { id: 'ord_1', number: '#1001', customer: { email: 'ada@example.com' } };
  const event: WebhookEvent = { message_id: 'm-3', message_type: 'orders:created', account: 'acme', api_version: '1.0', data: order, ingested_at: now.toISOString() };
  const signedRequest = buildWebhookRequest({
    profile: profiles.malomo,
    event,
    callback: { id: 'webhook-7', url: 'https://shop.example/malomo', signed: true },
    deliveryId: 'd-3',
    attempt: 3,
    keys: [signingKeyOf(plainSecret, 'plain')],
    now,
  });

  it('sends the resource itself as the body (identical to the REST response of the resource)', () => {
    expect(signedRequest.body.toString('utf8')).toBe(JSON.stringify(order));
  });

  it('names the headers of the Malomo webhook docs: attempt number, topic, webhook id, user agent', () => {
    expect(signedRequest.headers['Malomo-Attempt-Number']).toBe('3');
    expect(signedRequest.headers['Malomo-Topic']).toBe('orders:created');
    expect(signedRequest.headers['Malomo-Webhook-Id']).toBe('webhook-7');
    expect(signedRequest.headers['user-agent']).toBe('Malomo-Webhook-Agent/2.0');
  });

  it('signs the body with HMAC-SHA256 and the webhook secret as the key in Malomo-Signature', () => {
    expect(header(signedRequest.headers, 'malomo-signature')).toBe(createHmac('sha256', plainSecret).update(signedRequest.body).digest('hex'));
  });

  it('sends no Malomo-Signature at all for a webhook without a secret (signed: false)', () => {
    const unsigned = buildWebhookRequest({
      profile: profiles.malomo,
      event,
      callback: { id: 'webhook-8', url: 'https://shop.example/malomo', signed: false },
      deliveryId: 'd-4',
      attempt: 1,
      keys: [signingKeyOf(plainSecret, 'plain')],
      now,
    });
    expect(Object.keys(unsigned.headers).sort()).toEqual(['Malomo-Attempt-Number', 'Malomo-Topic', 'Malomo-Webhook-Id', 'content-type', 'user-agent']);
  });

  it('delivers up to 10 times over about 24 hours with a 10 s timeout', () => {
    const delays = profiles.malomo.retry_schedule!.split(',');
    expect(delays).toHaveLength(10);
    expect(profiles.malomo.timeout_ms).toBe(10_000);
  });
});

describe('rotation', () => {
  it.each(['standard', 'masonhub', 'moduslink', 'malomo'] as const)('lets a %s receiver holding either secret of an overlap verify', (name) => {
    const profile = profiles[name];
    const format = profile.secret_format;
    const fresh = format === 'whsec' ? generateSecret() : 'new-plain-secret-0123456789abcdefghijkl';
    const old = format === 'whsec' ? generateSecret() : 'old-plain-secret-0123456789abcdefghijkl';
    const request = buildWebhookRequest({
      profile,
      event: { ...orderEvent, data: { id: 'x' } },
      callback: { id: 'cb', url: 'https://client.example/x', signed: true },
      deliveryId: 'd',
      attempt: 1,
      keys: [signingKeyOf(fresh, format), signingKeyOf(old, format)],
      now,
    });
    const keyOf = (secret: string) => (format === 'whsec' ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8'));
    const signature = profile.body_signature!;
    const values = request.headers[signature.header]!.split(',');
    // One value per live secret, newest first.
    expect(values).toEqual([fresh, old].map((secret) => createHmac('sha256', keyOf(secret)).update(request.body).digest(signature.encoding)));
    if (profile.standard_webhooks) {
      for (const secret of [fresh, old]) {
        expect(() =>
          new Webhook(secret).verify(request.body.toString('utf8'), {
            'webhook-id': request.headers['webhook-id']!,
            'webhook-timestamp': request.headers['webhook-timestamp']!,
            'webhook-signature': request.headers['webhook-signature']!,
          }),
        ).not.toThrow();
      }
    }
  });
});

describe('webhookBody', () => {
  it('builds an envelope from data serialised once to the same bytes as serialising the whole envelope', () => {
    const callback = { url: 'https://client.example/hooks', token: 'tok' };
    const whole = JSON.stringify({ callback_url: callback.url, message_type: 'orderEvent', message_id: orderEvent.message_id, api_version: '1.0', token: 'tok', data: orderEvent.data });
    expect(webhookBody({ profile: profiles.standard, event: orderEvent, callback, dataJson: JSON.stringify(orderEvent.data) }).toString('utf8')).toBe(whole);
    expect(webhookBody({ profile: profiles.standard, event: orderEvent, callback: { url: callback.url } }).toString('utf8')).not.toContain('"token"');
  });
});

describe('WireProfile', () => {
  it.each(Object.entries(profiles))('accepts the built-in %s profile', (_name, profile) => {
    expect(WireProfile.safeParse(profile).success).toBe(true);
  });

  it.each([
    ['a header name that is not an HTTP token', { headers: { event: 'X Event' } }, 'headers.event'],
    ['a header colliding with content-type', { headers: { event: 'Content-Type' } }, 'headers.event'],
    ['a header colliding with traceparent', { headers: { delivery: 'traceparent' } }, 'headers.delivery'],
    ['the body signature header equal to another header', { headers: { event: 'X-Sig' }, body_signature: { header: 'x-sig', encoding: 'hex' } }, 'body_signature.header'],
    ['two headers with one name', { headers: { event: 'X-A', attempt: 'X-A' } }, 'headers.attempt'],
    ['Standard Webhooks with plain secrets', { standard_webhooks: true, secret_format: 'plain' }, 'secret_format'],
    ['required signing without any scheme', { body_signature: null, standard_webhooks: false }, 'signing'],
    ['a schedule that is not one', { retry_schedule: '0,soon' }, 'retry_schedule'],
    ['a schedule of 21 attempts', { retry_schedule: Array.from({ length: 21 }, () => '1s').join(',') }, 'retry_schedule'],
    ['a delay over a day', { retry_schedule: '0,2d' }, 'retry_schedule'],
    ['an unknown field', { colour: 'blue' }, ''],
  ])('refuses %s, naming the field', (_name, change, path) => {
    const result = WireProfile.safeParse({ ...profiles.moduslink, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
