import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { bodySignatureValue } from './webhook-request';
import {
  decodeSecret,
  generateSecret,
  InvalidSecretError,
  signStandardWebhook,
  verifyBodyHmac,
  verifyStandardWebhook,
} from './signing';

const body = JSON.stringify({ message_type: 'orderEvent', data: [{ order_id: 'o1', note: 'café ☕' }] });
const id = 'msg_2b7f';
const now = new Date();
const timestamp = Math.floor(now.getTime() / 1000);

describe('secrets', () => {
  it('generates whsec_ secrets of the requested size', () => {
    const secret = generateSecret();
    expect(secret.startsWith('whsec_')).toBe(true);
    expect(decodeSecret(secret)).toHaveLength(32);
    expect(decodeSecret(generateSecret(64))).toHaveLength(64);
  });

  it('refuses sizes outside 24..64 bytes', () => {
    expect(() => generateSecret(16)).toThrow(InvalidSecretError);
    expect(() => generateSecret(65)).toThrow(InvalidSecretError);
  });

  it('refuses a secret that is not base64', () => {
    expect(() => decodeSecret('whsec_not base64!')).toThrow(InvalidSecretError);
  });
});

describe('Standard Webhooks interop', () => {
  it('produces headers the standardwebhooks package verifies', () => {
    const secret = generateSecret();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ id, timestamp: now, body, secrets: [secret] }) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('verifies headers the standardwebhooks package produced', () => {
    const secret = generateSecret();
    const signature = new Webhook(secret).sign(id, now, body);
    const result = verifyStandardWebhook({
      headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
      body: Buffer.from(body),
      secrets: [secret],
    });
    expect(result).toEqual({ ok: true, id, timestamp });
  });

  it('signs once per secret during rotation, and the package accepts either secret', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets: [newSecret, oldSecret] }) };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
  });
});

describe('verifyStandardWebhook', () => {
  const secret = generateSecret();
  const signed = (at: number, payload = body) => ({
    'webhook-id': id,
    'webhook-timestamp': String(at),
    'webhook-signature': signStandardWebhook({ id, timestamp: at, body: payload, secrets: [secret] }),
  });

  it('accepts a signature made with any of the receiver\'s secrets', () => {
    const result = verifyStandardWebhook({ headers: signed(timestamp), body, secrets: [generateSecret(), secret], now });
    expect(result.ok).toBe(true);
  });

  it('reads header names case-insensitively and from a fetch Headers object', () => {
    const headers = new Headers(signed(timestamp));
    expect(verifyStandardWebhook({ headers, body, secrets: [secret], now }).ok).toBe(true);
    const upper = Object.fromEntries(Object.entries(signed(timestamp)).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyStandardWebhook({ headers: upper, body, secrets: [secret], now }).ok).toBe(true);
  });

  it('rejects a timestamp older than the tolerance', () => {
    const result = verifyStandardWebhook({ headers: signed(timestamp - 301), body, secrets: [secret], now });
    expect(result).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp further in the future than the tolerance', () => {
    const result = verifyStandardWebhook({ headers: signed(timestamp + 301), body, secrets: [secret], now });
    expect(result).toMatchObject({ ok: false, reason: 'timestamp_too_new' });
  });

  it('honours a custom tolerance', () => {
    expect(verifyStandardWebhook({ headers: signed(timestamp - 60), body, secrets: [secret], now, toleranceSeconds: 30 }).ok).toBe(false);
  });

  it('rejects a tampered body', () => {
    const result = verifyStandardWebhook({ headers: signed(timestamp), body: body.replace('o1', 'o2'), secrets: [secret], now });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('rejects a signature made with another secret', () => {
    const result = verifyStandardWebhook({ headers: signed(timestamp), body, secrets: [generateSecret()], now });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('says which header is missing or malformed', () => {
    const { 'webhook-id': _id, ...withoutId } = signed(timestamp);
    expect(verifyStandardWebhook({ headers: withoutId, body, secrets: [secret], now })).toMatchObject({ reason: 'missing_header' });
    expect(verifyStandardWebhook({ headers: { ...signed(timestamp), 'webhook-timestamp': 'soon' }, body, secrets: [secret], now })).toMatchObject({
      reason: 'invalid_timestamp',
    });
    expect(verifyStandardWebhook({ headers: { ...signed(timestamp), 'webhook-signature': 'v2,abc' }, body, secrets: [secret], now })).toMatchObject({
      reason: 'no_v1_signature',
    });
  });
});

describe('body HMAC', () => {
  // RFC 4231 test case 2: key "Jefe".
  const jefe = `whsec_${Buffer.from('Jefe').toString('base64')}`;
  const data = 'what do ya want for nothing?';

  it('matches the RFC 4231 known answer', () => {
    expect(bodySignatureValue([decodeSecret(jefe)], Buffer.from(data), { header: 'X-Sig', encoding: 'base64' })).toBe('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=');
  });

  it('verifies padded and unpadded base64 (the ModusLink webhook docs allow both)', () => {
    expect(verifyBodyHmac({ secrets: [jefe], body: data, signature: 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=' })).toBe(true);
    expect(verifyBodyHmac({ secrets: [jefe], body: Buffer.from(data), signature: 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM' })).toBe(true);
  });

  it('rejects a tampered body, a wrong secret and garbage', () => {
    const signature = bodySignatureValue([decodeSecret(jefe)], Buffer.from(data), { header: 'X-Sig', encoding: 'base64' });
    expect(verifyBodyHmac({ secrets: [jefe], body: `${data} `, signature })).toBe(false);
    expect(verifyBodyHmac({ secrets: [generateSecret()], body: data, signature })).toBe(false);
    expect(verifyBodyHmac({ secrets: [jefe], body: data, signature: '!!!' })).toBe(false);
  });
});
