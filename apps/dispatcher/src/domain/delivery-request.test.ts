import {
  deliveryHeaderNames,
  deliveryIdFor,
  eventTypes,
  generateSecret,
  parseSecretsKey,
  sealSecret,
  verifyBodyHmac,
  type CallbackState,
} from '@hookmesh/contracts';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createCredentialsCache, openCallbackCredentials } from './credentials';
import { buildDeliveryRequest } from './delivery-request';

const keys = parseSecretsKey(`k1:${randomBytes(32).toString('base64')}`);
const key = keys[0]!;
const now = new Date();
const messageId = '0896116f-e54b-4756-9d3e-1b0c4a25d821';
const task = {
  delivery_id: deliveryIdFor(messageId, 'cb-1'),
  attempt: 2,
  callback_id: 'cb-1',
  event: { message_id: messageId, message_type: 'orderEvent' as const, api_version: '1.0' as const, data: eventTypes.orderEvent.example.data },
};

function callback(secrets: CallbackState['secrets'], token?: string): Pick<CallbackState, 'token' | 'secrets'> {
  return { secrets, ...(token === undefined ? {} : { token: sealSecret(token, key) }) };
}

function build(credentials = openCallbackCredentials(callback([{ secret: sealSecret(generateSecret(), key) }]), keys, now), prefix = 'X-Hookmesh') {
  return buildDeliveryRequest({
    task,
    callbackUrl: 'https://client.example.com/api/orderEvent',
    credentials,
    headerNames: deliveryHeaderNames(prefix),
    userAgent: 'Hookmesh-Webhook/1.0',
    now,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
}

describe('buildDeliveryRequest', () => {
  it('sends the envelope of seed 002 in wire order, with the token opened', () => {
    const secret = generateSecret();
    const request = build(openCallbackCredentials(callback([{ secret: sealSecret(secret, key) }], 'client-token'), keys, now));
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['callback_url', 'message_type', 'message_id', 'api_version', 'token', 'data']);
    expect(body).toEqual({
      callback_url: 'https://client.example.com/api/orderEvent',
      message_type: 'orderEvent',
      message_id: messageId,
      api_version: '1.0',
      token: 'client-token',
      data: eventTypes.orderEvent.example.data,
    });
  });

  it('leaves the token out when the callback has none', () => {
    const body = JSON.parse(build().body.toString('utf8')) as Record<string, unknown>;
    expect(body).not.toHaveProperty('token');
  });

  it('sets every header of the design under the configured prefix', () => {
    const request = build(undefined, 'X-MasonHub');
    expect(request.headers).toMatchObject({
      'user-agent': 'Hookmesh-Webhook/1.0',
      'content-type': 'application/json',
      'X-MasonHub-Event': 'orderEvent',
      'X-MasonHub-Delivery': task.delivery_id,
      'X-MasonHub-Attempt': '2',
      'X-MasonHub-Callback-Id': 'cb-1',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(request.headers['X-MasonHub-HMAC-SHA256']).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('signs exactly the body bytes: the standardwebhooks library and the body HMAC both verify', () => {
    const secret = generateSecret();
    const request = build(openCallbackCredentials(callback([{ secret: sealSecret(secret, key) }]), keys, now));
    expect(() => new Webhook(secret).verify(request.body.toString('utf8'), request.headers)).not.toThrow();
    expect(verifyBodyHmac({ secrets: [secret], body: request.body, signature: request.headers['X-Hookmesh-HMAC-SHA256']! })).toBe(true);
  });

  it('carries one v1 signature per live secret during a rotation, and the body HMAC of the newest', () => {
    const newest = generateSecret();
    const previous = generateSecret();
    const expired = generateSecret();
    const credentials = openCallbackCredentials(
      callback([
        { secret: sealSecret(newest, key) },
        { secret: sealSecret(previous, key), expires_at: new Date(now.getTime() + 3_600_000).toISOString() },
        { secret: sealSecret(expired, key), expires_at: new Date(now.getTime() - 1_000).toISOString() },
      ]),
      keys,
      now,
    );
    const request = build(credentials);
    const signatures = request.headers['webhook-signature']!.split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((signature) => signature.startsWith('v1,'))).toBe(true);
    for (const secret of [newest, previous]) {
      expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
    }
    expect(() => new Webhook(expired).verify(request.body, request.headers)).toThrow();
    const hmac = request.headers['X-Hookmesh-HMAC-SHA256']!;
    expect(verifyBodyHmac({ secrets: [newest], body: request.body, signature: hmac })).toBe(true);
    expect(verifyBodyHmac({ secrets: [previous], body: request.body, signature: hmac })).toBe(false);
  });

  it('omits traceparent when tracing has no valid context', () => {
    const request = buildDeliveryRequest({
      task,
      callbackUrl: 'https://client.example.com/hook',
      credentials: { token: undefined, secrets: [generateSecret()] },
      headerNames: deliveryHeaderNames(),
      userAgent: 'Hookmesh-Webhook/1.0',
      now,
      traceparent: undefined,
    });
    expect(request.headers).not.toHaveProperty('traceparent');
  });

  it('sends the data as event-ingest stored it, in the envelope’s wire key order', () => {
    const request = buildDeliveryRequest({
      task,
      callbackUrl: 'https://client.example.com/hook',
      credentials: { token: 'verify-me', secrets: [generateSecret()] },
      headerNames: deliveryHeaderNames(),
      userAgent: 'Hookmesh-Webhook/1.0',
      now,
      traceparent: undefined,
    });
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['callback_url', 'message_type', 'message_id', 'api_version', 'token', 'data']);
    expect(body['data']).toEqual(task.event.data);
  });
});

describe('openCallbackCredentials', () => {
  it('still signs with the newest secret if every entry has expired', () => {
    const only = generateSecret();
    const credentials = openCallbackCredentials(callback([{ secret: sealSecret(only, key), expires_at: new Date(now.getTime() - 1).toISOString() }]), keys, now);
    expect(credentials.secrets).toEqual([only]);
  });

  it('throws when the sealing key is not configured', () => {
    const otherKeys = parseSecretsKey(`k9:${randomBytes(32).toString('base64')}`);
    expect(() => openCallbackCredentials(callback([{ secret: sealSecret(generateSecret(), key) }]), otherKeys, now)).toThrow(/no key with id/);
  });
});

describe('createCredentialsCache', () => {
  it('opens a state once, follows a new state object, and reopens when a rotated-out secret’s overlap ends', () => {
    const [fresh, old] = [generateSecret(), generateSecret()];
    const overlapEnds = new Date(now.getTime() + 60_000);
    const state = callback([{ secret: sealSecret(fresh, key) }, { secret: sealSecret(old, key), expires_at: overlapEnds.toISOString() }], 'tok');
    const credentialsOf = createCredentialsCache(keys);

    const first = credentialsOf(state, now);
    expect(first).toEqual({ token: 'tok', secrets: [fresh, old] });
    expect(credentialsOf(state, new Date(now.getTime() + 59_999))).toBe(first);
    expect(credentialsOf(state, overlapEnds)).toEqual({ token: 'tok', secrets: [fresh] });

    const rotated = callback([{ secret: sealSecret(generateSecret(), key) }]);
    expect(credentialsOf(rotated, now)).not.toEqual(first);
  });
});
