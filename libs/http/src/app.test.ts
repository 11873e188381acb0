import { afterEach, describe, expect, it } from '@jest/globals';
import { Router } from 'express';
import { Registry } from 'prom-client';
import { startTestApp, type TestApp } from './test-support';

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('createHttpApp', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers /healthz with status ok and hides x-powered-by', async () => {
    app = await startTestApp({ routes: () => undefined });
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    app = await startTestApp({ routes: () => undefined });
    const echoed = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await fetch(`${app.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with route template, status and id, without the Authorization header', async () => {
    app = await startTestApp({
      routes: (express) => {
        express.get('/:account/things/:id', (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
    await fetch(`${app.url}/acme/things/42`, { headers: { authorization: 'Bearer secret-token-value', 'x-request-id': 'r-1' } });
    const lines = app.logs.lines.filter((line) => line['msg'] === 'request completed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/:account/things/:id', status: 200, req_id: 'r-1', level: 30 });
    expect(lines[0]?.['duration_ms']).toEqual(expect.any(Number));
    expect(app.logs.text()).not.toContain('secret-token-value');
  });

  it('serves the OpenAPI document', async () => {
    const openapi = { openapi: '3.1.0', info: { title: 'callbacks', version: '1.0' }, paths: { '/x': {} } };
    app = await startTestApp({ openapi, routes: () => undefined });
    const res = await fetch(`${app.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openapi);
  });

  it('reports ready when every check is ok', async () => {
    app = await startTestApp({
      readiness: { postgres: async () => ({ ok: true }), nats: async () => ({ ok: true, detail: 'connected' }) },
      routes: () => undefined,
    });
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, nats: { ok: true } } });
  });

  it('reports 503 naming the failing check', async () => {
    app = await startTestApp({
      readiness: {
        postgres: async () => ({ ok: true }),
        nats: async () => ({ ok: false, detail: 'disconnected' }),
        kv: async () => {
          throw new Error('password=hunter2');
        },
      },
      routes: () => undefined,
    });
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    const body = JSON.parse(text) as { detail: string; checks: Record<string, { ok: boolean }> };
    expect(body.checks).toMatchObject({ postgres: { ok: true }, nats: { ok: false, detail: 'disconnected' }, kv: { ok: false } });
    expect(body.detail).toContain('nats');
    expect(body.detail).not.toContain('postgres');
  });

  it('reports a hanging check as not ready once its deadline passes', async () => {
    app = await startTestApp({
      readinessTimeoutMs: 150,
      readiness: { postgres: async () => ({ ok: true }), nats: never },
      routes: () => undefined,
    });
    const started = Date.now();
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await res.json()).toMatchObject({ checks: { postgres: { ok: true }, nats: { ok: false, detail: 'timed out after 150 ms' } } });
  });

  it('accepts readiness as one function returning every check, and bounds it too', async () => {
    app = await startTestApp({ readiness: async () => ({ db: { ok: false, detail: 'down' } }), routes: () => undefined });
    expect(await (await fetch(`${app.url}/readyz`)).json()).toMatchObject({ checks: { db: { ok: false } } });
    await app.close();
    app = await startTestApp({ readinessTimeoutMs: 100, readiness: never, routes: () => undefined });
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ checks: { readiness: { ok: false } } });
  });

  it('counts requests in /metrics by route template, including routes in mounted routers', async () => {
    const registry = new Registry();
    app = await startTestApp({
      registry,
      routes: (express) => {
        const api = Router({ mergeParams: true });
        api.get('/callbacks/:id', (_req, res) => {
          res.json({});
        });
        api.get('/fails', () => {
          throw new Error('x');
        });
        express.use('/:account/api/v1', api);
      },
    });
    await fetch(`${app.url}/acme/api/v1/callbacks/123`);
    await fetch(`${app.url}/acme/api/v1/fails`);
    await fetch(`${app.url}/random/path/for/scanners`);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    const text = await res.text();
    expect(text).toContain('http_requests_total{method="GET",route="/:account/api/v1/callbacks/:id",status="200"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/:account/api/v1/fails",status="500"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).not.toContain('scanners');
  });
});
