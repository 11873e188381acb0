import { describe, expect, it, jest } from '@jest/globals';
import { createApiClient, queryString } from './client';
import { ApiError } from './problem';

function fakeFetch(status: number, body: string, contentType = 'application/json') {
  return jest.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response(body, { status, headers: { 'content-type': contentType } }));
}

describe('queryString', () => {
  it('leaves out values that are not set', () => {
    expect(queryString({ status: 'failed', message_type: undefined, cursor: null, callback_id: '', limit: 50 })).toBe('?status=failed&limit=50');
    expect(queryString({})).toBe('');
  });
});

describe('createApiClient', () => {
  it('calls the console server under /api/<service>/<account>/api/v1 with the token in the Authorization header only', async () => {
    const fetch = fakeFetch(200, '{"callbacks":[]}');
    const client = createApiClient({ account: 'acme', token: 'a.b.c', onUnauthorized: () => undefined, fetch });
    await expect(client.get('subscription', '/callbacks', { message_type: 'all' })).resolves.toEqual({ callbacks: [] });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/subscription/acme/api/v1/callbacks?message_type=all');
    expect(String(url)).not.toContain('a.b.c');
    expect((init?.headers as Record<string, string>)['authorization']).toBe('Bearer a.b.c');
    expect(init?.credentials).toBe('omit');
  });

  it('sends JSON bodies and turns a problem answer into an ApiError with its field errors', async () => {
    const fetch = fakeFetch(400, JSON.stringify({ title: 'Bad Request', status: 400, detail: 'The request body is invalid', errors: [{ path: '0.url', message: 'url must be https', code: 'custom' }] }), 'application/problem+json');
    const client = createApiClient({ account: 'acme', token: 't.t.t', onUnauthorized: () => undefined, fetch });
    const error = await client.send('subscription', 'POST', '/callbacks', [{ url: 'http://x' }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.errors).toEqual([{ path: '0.url', message: 'url must be https', code: 'custom' }]);
    expect(fetch.mock.calls[0]![1]?.body).toBe('[{"url":"http://x"}]');
  });

  it('reports a 401 so the page can send the user back to sign-in', async () => {
    const onUnauthorized = jest.fn();
    const client = createApiClient({ account: 'acme', token: 't.t.t', onUnauthorized, fetch: fakeFetch(401, '{"title":"Unauthorized","status":401}') });
    await expect(client.get('audit', '/deliveries')).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('stands in a problem for answers that are not problem+json, and for a network failure', async () => {
    const html = createApiClient({ account: 'acme', token: 't.t.t', onUnauthorized: () => undefined, fetch: fakeFetch(502, '<html>Bad gateway</html>', 'text/html') });
    await expect(html.get('audit', '/stats')).rejects.toMatchObject({ status: 502, problem: { detail: 'The server answered 502.' } });
    const offline = createApiClient({ account: 'acme', token: 't.t.t', onUnauthorized: () => undefined, fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(offline.get('audit', '/stats')).rejects.toMatchObject({ status: 0 });
  });
});
