import { describe, expect, it } from '@jest/globals';
import { upstreamPathFor } from './upstream-path';

describe('upstreamPathFor', () => {
  it('forwards account API paths with their query as they are', () => {
    expect(upstreamPathFor('/acme/api/v1/callbacks')).toBe('/acme/api/v1/callbacks');
    expect(upstreamPathFor('/acme-corp/api/v1/deliveries?status=failed&limit=20')).toBe('/acme-corp/api/v1/deliveries?status=failed&limit=20');
    expect(upstreamPathFor('/acme/api/v1/deliveries/0190a5b2/redeliver')).toBe('/acme/api/v1/deliveries/0190a5b2/redeliver');
  });

  it('refuses the probes, metrics, OpenAPI and anything outside /{account}/api/v1', () => {
    for (const path of ['/healthz', '/metrics', '/openapi.json', '/acme/api/v2/events', '/acme/api/v1', '/acme/api/v1/', '/-acme/api/v1/callbacks']) {
      expect({ path, forwarded: upstreamPathFor(path) }).toEqual({ path, forwarded: undefined });
    }
  });

  it('refuses the operator API, whatever the case', () => {
    expect(upstreamPathFor('/admin/api/v1/event_types')).toBeUndefined();
    expect(upstreamPathFor('/ADMIN/api/v1/portal_links')).toBeUndefined();
  });

  it('refuses dot segments and encoded slashes, dots or backslashes that could climb out of the account', () => {
    for (const path of ['/acme/api/v1/../../metrics', '/acme/api/v1/./callbacks', '/acme/api/v1/%2e%2e/%2e%2e/metrics', '/acme/api/v1/callbacks%2F..%2F..', '/acme/api/v1/x%5C..', '/acme/api/v1/x\\y']) {
      expect({ path, forwarded: upstreamPathFor(path) }).toEqual({ path, forwarded: undefined });
    }
  });
});
