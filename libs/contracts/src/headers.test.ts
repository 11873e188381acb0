import { describe, expect, it } from '@jest/globals';
import { DEFAULT_USER_AGENT, deliveryHeaderNames, STANDARD_WEBHOOK_HEADERS, TRACEPARENT_HEADER } from './headers';

describe('delivery headers', () => {
  it('names the X-Hookmesh headers by default', () => {
    expect(deliveryHeaderNames()).toEqual({
      event: 'X-Hookmesh-Event',
      delivery: 'X-Hookmesh-Delivery',
      attempt: 'X-Hookmesh-Attempt',
      callbackId: 'X-Hookmesh-Callback-Id',
      hmacSha256: 'X-Hookmesh-HMAC-SHA256',
    });
  });

  it('uses a configured prefix such as X-MasonHub (seed 000)', () => {
    expect(deliveryHeaderNames('X-MasonHub').event).toBe('X-MasonHub-Event');
  });

  it('rejects a prefix that is not a header token', () => {
    expect(() => deliveryHeaderNames('X Hook')).toThrow(/not a valid HTTP header name/);
  });

  it('keeps the Standard Webhooks, trace and user agent names fixed', () => {
    expect(STANDARD_WEBHOOK_HEADERS).toEqual({ id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' });
    expect(TRACEPARENT_HEADER).toBe('traceparent');
    expect(DEFAULT_USER_AGENT).toBe('Hookmesh-Webhook/1.0');
  });
});
