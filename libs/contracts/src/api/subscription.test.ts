import { describe, expect, it } from '@jest/globals';
import { CallbackUrl } from './common';
import { CreateCallbacksRequest, CreateHoldRequest, DeleteCallbacksRequest, ListCallbacksQuery, PatchCallbackRequest, RotateSecretRequest, WebhookSecret } from './subscription';
import { generateSecret } from '../signing';

const item = { url: 'https://client.example/hook', message_type: 'orderEvent', api_version: '1.0' };

describe('CallbackUrl', () => {
  it('accepts an absolute https url', () => {
    expect(CallbackUrl.safeParse('https://client.example/hooks/orders?x=1').success).toBe(true);
  });

  it('rejects a url with a username and password and says to use the token', () => {
    const result = CallbackUrl.safeParse('https://user:pw@client.example/hook');
    expect(result.error?.issues[0]?.message).toBe(
      'url must not contain a username or password (userinfo); use the callback token to authenticate deliveries',
    );
  });

  it('rejects a relative url', () => {
    expect(CallbackUrl.safeParse('/hook').error?.issues[0]?.message).toContain('absolute URL');
  });

  it('rejects a url longer than 2048 characters', () => {
    const result = CallbackUrl.safeParse(`https://client.example/${'a'.repeat(2048)}`);
    expect(result.error?.issues[0]?.message).toBe('url must be at most 2048 characters');
  });

  it('leaves the https-only rule to the service (an http url is syntactically valid)', () => {
    expect(CallbackUrl.safeParse('http://client.example/hook').success).toBe(true);
  });

  it.each([
    ['CR LF', 'https://client.example/inj2\r\nX-Injected-Url: 1'],
    ['LF', 'https://client.example/a\nb'],
    ['tab', 'https://client.example/a\tb'],
    ['NUL', 'https://client.example/a\u0000'],
    ['DEL', 'https://client.example/a\u007f'],
    ['C1 control', 'https://client.example/a\u0085'],
    ['space in the path', 'https://client.example/a b'],
    ['leading space', ' https://client.example/hook'],
    ['trailing space', 'https://client.example/hook '],
    ['no-break space', 'https://client.example/a\u00a0b'],
    ['ideographic space', 'https://client.example/a\u3000b'],
    ['line separator', 'https://client.example/a\u2028b'],
  ])('refuses a url with a %s (WHATWG URL would silently drop or encode it)', (_name, url) => {
    const result = CallbackUrl.safeParse(url);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('url must not contain spaces or control characters; percent-encode them (%20)');
  });

  it.each([
    ['https://Client.EXAMPLE/hook', 'https://client.example/hook'],
    ['https://client.example:443/hook', 'https://client.example/hook'],
    ['https://client.example', 'https://client.example/'],
    ['https://client.example/a/../b/./c', 'https://client.example/b/c'],
    ['https://client.example/caf\u00e9?q=\u00e9', 'https://client.example/caf%C3%A9?q=%C3%A9'],
    ['https://b\u00fccher.example/hook', 'https://xn--bcher-kva.example/hook'],
    ['https://0x7f000001/hook', 'https://127.0.0.1/hook'],
    ['https://[0:0:0:0:0:0:0:1]/hook', 'https://[::1]/hook'],
    ['https://client.example/hook%20x', 'https://client.example/hook%20x'],
  ])('normalises %s to %s (the URL stored is the URL called)', (raw, normalised) => {
    expect(CallbackUrl.parse(raw)).toBe(normalised);
  });
});

describe('CreateCallbacksRequest', () => {
  it('normalises a single object to an array of one', () => {
    expect(CreateCallbacksRequest.parse(item)).toEqual([item]);
  });

  it('names the index and field of each bad item', () => {
    const result = CreateCallbacksRequest.safeParse([item, { ...item, url: 'nope' }, { ...item, message_type: 'not a name' }]);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([
      [1, 'url'],
      [2, 'message_type'],
    ]);
  });

  it('reports a bad single object at index 0', () => {
    const result = CreateCallbacksRequest.safeParse({ ...item, api_version: '2.0' });
    expect(result.error?.issues[0]).toMatchObject({ path: [0, 'api_version'], message: 'api_version must be "1.0"' });
  });

  it('rejects unknown fields of an item', () => {
    expect(CreateCallbacksRequest.safeParse([{ ...item, secret: 'x' }]).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: [0] });
  });

  it('rejects an empty array and more than 100 items', () => {
    expect(CreateCallbacksRequest.safeParse([]).error?.issues[0]?.message).toBe('send at least one callback');
    expect(CreateCallbacksRequest.safeParse(Array.from({ length: 101 }, () => item)).error?.issues[0]?.message).toBe(
      'send at most 100 callbacks per request',
    );
  });

  it('bounds timeout_ms', () => {
    expect(CreateCallbacksRequest.safeParse([{ ...item, timeout_ms: 5000 }]).success).toBe(true);
    expect(CreateCallbacksRequest.safeParse([{ ...item, timeout_ms: 10 }]).error?.issues[0]?.path).toEqual([0, 'timeout_ms']);
    expect(CreateCallbacksRequest.safeParse([{ ...item, timeout_ms: 10_000_000 }]).success).toBe(false);
  });
});

describe('DeleteCallbacksRequest', () => {
  it('rejects a repeated id at its index', () => {
    const result = DeleteCallbacksRequest.safeParse(['a', 'b', 'a']);
    expect(result.error?.issues[0]).toMatchObject({ path: [2], message: 'duplicate callback id "a"' });
  });

  it('rejects an empty list', () => {
    expect(DeleteCallbacksRequest.safeParse([]).success).toBe(false);
  });
});

describe('PatchCallbackRequest', () => {
  it('rejects an empty patch', () => {
    expect(PatchCallbackRequest.safeParse({}).error?.issues[0]?.message).toBe('send at least one of url, token, status, profile, signed, retry_schedule, timeout_ms, rate_limit');
  });

  it('accepts a status change and a token removal', () => {
    expect(PatchCallbackRequest.parse({ status: 'disabled', token: null })).toEqual({ status: 'disabled', token: null });
  });

  it('rejects a status other than active or disabled', () => {
    expect(PatchCallbackRequest.safeParse({ status: 'paused' }).error?.issues[0]?.path).toEqual(['status']);
  });
});

describe('other subscription bodies', () => {
  it('defaults the secret overlap to 24 hours', () => {
    expect(RotateSecretRequest.parse({})).toEqual({ overlap_seconds: 86400 });
  });

  it('defaults the callback list filter to all and the page to 100', () => {
    expect(ListCallbacksQuery.parse({})).toEqual({ message_type: 'all', limit: 100 });
    expect(ListCallbacksQuery.safeParse({ message_type: 'bo gus' }).success).toBe(false);
  });

  it('takes a page size of 1 to 200 from the query string and an opaque cursor', () => {
    expect(ListCallbacksQuery.parse({ limit: '7', cursor: 'abc' })).toEqual({ message_type: 'all', limit: 7, cursor: 'abc' });
    for (const limit of ['0', '201', '2.5', 'ten']) expect(ListCallbacksQuery.safeParse({ limit }).error?.issues[0]?.path).toEqual(['limit']);
    expect(ListCallbacksQuery.safeParse({ cursor: '' }).success).toBe(false);
  });

  it('requires a valid message type name on a hold (whether it is in the catalog is the service\'s check)', () => {
    expect(CreateHoldRequest.safeParse({ message_type: 'orderEvent', expires_at: '2030-01-01T00:00:00Z' }).success).toBe(true);
    expect(CreateHoldRequest.safeParse({ message_type: 'Orders.Created' }).success).toBe(true);
    expect(CreateHoldRequest.safeParse({ message_type: 'no pe' }).success).toBe(false);
  });

  it('describes generated secrets', () => {
    expect(WebhookSecret.safeParse(generateSecret(24)).success).toBe(true);
    expect(WebhookSecret.safeParse(generateSecret(64)).success).toBe(true);
    expect(WebhookSecret.safeParse('whsec_short').success).toBe(false);
  });
});
