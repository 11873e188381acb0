import { describe, expect, it } from '@jest/globals';
import { DEFAULT_USER_AGENT, STANDARD_WEBHOOK_HEADERS, TRACEPARENT_HEADER } from './headers';

describe('delivery headers', () => {
  it('keeps the Standard Webhooks, trace and user agent names fixed', () => {
    expect(STANDARD_WEBHOOK_HEADERS).toEqual({ id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' });
    expect(TRACEPARENT_HEADER).toBe('traceparent');
    expect(DEFAULT_USER_AGENT).toBe('Hookmesh-Webhook/1.0');
  });
});
