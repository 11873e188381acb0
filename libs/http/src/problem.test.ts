import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { Conflict, TooManyRequests, Unavailable } from './errors';
import { startTestApp, type TestApp } from './test-support';
import { parseBody, parseQuery } from './validate';

const CallbackInput = z.array(
  z.object({
    url: z.string().url(),
    message_type: z.string().min(1),
  }),
);

describe('problem+json errors', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      jsonLimit: '1kb',
      routes: (express) => {
        express.post('/callbacks', (req, res) => {
          const callbacks = parseBody(CallbackInput, req);
          res.status(201).json({ callbacks });
        });
        express.get('/deliveries', (req, res) => {
          const query = parseQuery(z.object({ limit: z.coerce.number().int().max(100) }), req);
          res.json(query);
        });
        express.post('/callbacks/:id/test', (_req, res) => {
          res.status(202).json({ message_id: 'm1' });
        });
        express.get('/boom', () => {
          throw new Error('connection to postgres://admin:hunter2@db failed');
        });
        express.get('/async-boom', async () => {
          await Promise.resolve();
          throw new Error('async hunter2');
        });
        express.get('/zod', () => {
          z.object({ a: z.string() }).parse({ a: 1 });
        });
        express.get('/conflict', () => {
          throw new Conflict('already exists');
        });
        express.get('/busy', () => {
          throw new TooManyRequests(2.2);
        });
        express.get('/down', () => {
          throw new Unavailable(7, 'JetStream cannot store the event');
        });
      },
    });
  });
  afterAll(() => app.close());

  const postJson = (path: string, body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('answers malformed JSON with a 400 problem saying so', async () => {
    const res = await postJson('/callbacks', '{"url": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 400, title: 'Malformed JSON', instance: '/callbacks' });
    expect(body['errors']).toBeUndefined();
    expect(body['type']).toEqual(expect.any(String));
    expect(body['request_id']).toBe(res.headers.get('x-request-id'));
  });

  it('answers a path parameter with broken percent-encoding with a 400 problem, not a 500', async () => {
    const res = await fetch(`${app.url}/callbacks/%E0%A4%A/test`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, title: 'Bad Request', type: 'urn:hookmesh:problem:malformed-path' });
  });

  it('answers a gzip Content-Encoding whose body is not gzip with a 400 problem, not a 500', async () => {
    const res = await fetch(`${app.url}/callbacks`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip at all' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, type: 'urn:hookmesh:problem:malformed-encoding' });
  });

  it('rejects a top-level JSON scalar (strict mode) as malformed', async () => {
    const res = await postJson('/callbacks', '"just a string"');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, title: 'Malformed JSON' });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await postJson('/callbacks', JSON.stringify([{ url: 'https://x.example', pad: 'x'.repeat(2048) }]));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await postJson('/callbacks', 'url=https://x.example', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
  });

  it('answers a body without Content-Type with 415', async () => {
    const res = await fetch(`${app.url}/callbacks`, { method: 'POST', body: new Uint8Array([0x7b, 0x7d]) });
    expect(res.status).toBe(415);
  });

  it('answers JSON in an unsupported charset with 415', async () => {
    const res = await postJson('/callbacks', '[]', 'application/json; charset=latin1');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/charset/);
  });

  it('accepts a POST without a body and without Content-Type', async () => {
    const res = await fetch(`${app.url}/callbacks/abc/test`, { method: 'POST' });
    expect(res.status).toBe(202);
  });

  it('lists every zod issue with a dotted path', async () => {
    const res = await postJson(
      '/callbacks',
      JSON.stringify([{ url: 'https://ok.example', message_type: 'orderEvent' }, { url: 'not a url', message_type: '' }, {}]),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ path: string; message: string; code: string }> };
    expect(body.errors.map((issue) => issue.path).sort()).toEqual(['1.message_type', '1.url', '2.message_type', '2.url']);
    for (const issue of body.errors) {
      expect(issue.message).toEqual(expect.any(String));
      expect(issue.code).toEqual(expect.any(String));
    }
  });

  it('validates the query string the same way', async () => {
    const res = await fetch(`${app.url}/deliveries?limit=1000`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ path: string; code: string }> };
    expect(body.errors).toEqual([expect.objectContaining({ path: 'limit', code: 'too_big' })]);
    expect(await (await fetch(`${app.url}/deliveries?limit=5`)).json()).toEqual({ limit: 5 });
  });

  it('maps a ZodError thrown by a route to 400', async () => {
    const res = await fetch(`${app.url}/zod`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'a', code: 'invalid_type' }] });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await fetch(`${app.url}/nope?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/nope' });
  });

  it('answers an unexpected error with a 500 that does not leak its message, and logs it', async () => {
    for (const path of ['/boom', '/async-boom']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain('hunter2');
      expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal Server Error' });
    }
    const logged = app.logs.lines.filter((line) => line['msg'] === 'unhandled error');
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('maps typed errors to their status and sets Retry-After on 429 and 503', async () => {
    expect((await fetch(`${app.url}/conflict`)).status).toBe(409);
    const busy = await fetch(`${app.url}/busy`);
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('3');
    const down = await fetch(`${app.url}/down`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('7');
    expect(await down.json()).toMatchObject({ detail: 'JetStream cannot store the event' });
  });
});
