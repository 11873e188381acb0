// The console server over HTTP, with real HTTP servers standing in for the three services: what crosses to them,
// what comes back, and what never leaves the console.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpServer, type RunningHttpServer } from '@hookmesh/http';
import { createLogger } from '@hookmesh/logging';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { createApp } from './app';
import { createConsoleMetrics } from './metrics';

type Seen = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
type Upstream = { server: Server; url: string; seen: Seen[]; answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } };

async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = {
    server: createServer(),
    url: '',
    seen: [],
    answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }),
  };
  upstream.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      upstream.seen.push(seen);
      const answer = upstream.answer(seen);
      setTimeout(() => res.writeHead(answer.status, answer.headers).end(answer.body ?? ''), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  return upstream;
}

describe('console server', () => {
  const log = createLogger({ service: 'console-test', level: 'silent' });
  let subscription: Upstream;
  let audit: Upstream;
  let server: RunningHttpServer;
  let base: string;
  let assetsDir: string;
  const dispatcher = new Agent();

  beforeAll(async () => {
    subscription = await startUpstream();
    audit = await startUpstream();
    assetsDir = mkdtempSync(path.join(tmpdir(), 'console-assets-'));
    mkdirSync(path.join(assetsDir, 'assets'));
    writeFileSync(path.join(assetsDir, 'index.html'), '<!doctype html><title>Hookmesh</title><script type="module" src="/assets/app-1a2b.js"></script>');
    writeFileSync(path.join(assetsDir, 'assets', 'app-1a2b.js'), 'console.log("app")');
    const registry = new Registry();
    const app = createApp({
      log,
      registry,
      metrics: createConsoleMetrics(registry),
      // Nothing listens on port 9 (discard): event-ingest is "down".
      upstreams: { subscription: subscription.url, ingest: 'http://127.0.0.1:9', audit: audit.url },
      dispatcher,
      upstreamTimeoutMs: 300,
      assetsDir,
      frameAncestors: ["'self'", 'https://dash.example.com'],
      maxBody: '1mb',
    });
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log, shutdownTimeoutMs: 1_000 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await dispatcher.close();
    await new Promise((resolve) => subscription.server.close(resolve));
    await new Promise((resolve) => audit.server.close(resolve));
    rmSync(assetsDir, { recursive: true, force: true });
  });

  it('forwards an API call with its method, path, query, body and bearer token, and nothing else of the browser', async () => {
    subscription.seen.length = 0;
    subscription.answer = () => ({ status: 201, headers: { 'content-type': 'application/json', 'set-cookie': 'x=1', 'x-powered-by': 'upstream' }, body: '{"callbacks":[]}' });
    const res = await fetch(`${base}/api/subscription/acme/api/v1/callbacks?message_type=all`, {
      method: 'POST',
      headers: { authorization: 'Bearer the.jwt.token', 'content-type': 'application/json', cookie: 'session=secret', 'x-forwarded-host': 'evil.example' },
      body: JSON.stringify([{ url: 'https://example.com/hook', message_type: 'orderEvent', api_version: '1.0' }]),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ callbacks: [] });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
    const [seen] = subscription.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/acme/api/v1/callbacks?message_type=all' });
    expect(JSON.parse(seen!.body)).toEqual([{ url: 'https://example.com/hook', message_type: 'orderEvent', api_version: '1.0' }]);
    expect(seen!.headers['authorization']).toBe('Bearer the.jwt.token');
    expect(seen!.headers['cookie']).toBeUndefined();
    expect(seen!.headers['x-forwarded-host']).toBeUndefined();
    expect(seen!.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]+$/);
  });

  it('passes the service\'s problem answers through unchanged', async () => {
    audit.answer = () => ({ status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': '3' }, body: '{"title":"Too Many Requests","status":429}' });
    const res = await fetch(`${base}/api/audit/acme/api/v1/deliveries`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ title: 'Too Many Requests', status: 429 });
  });

  it('forwards a body-less POST (redeliver) without a body', async () => {
    audit.seen.length = 0;
    audit.answer = () => ({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"delivery_id":"d","series":1}' });
    const res = await fetch(`${base}/api/audit/acme/api/v1/deliveries/d/redeliver`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(202);
    expect(audit.seen[0]).toMatchObject({ method: 'POST', url: '/acme/api/v1/deliveries/d/redeliver', body: '' });
  });

  it('answers 404 for anything but the account API, without calling the service', async () => {
    audit.seen.length = 0;
    for (const path of ['/api/audit/metrics', '/api/audit/admin/api/v1/event_types', '/api/audit/acme/api/v1/%2e%2e/%2e%2e/metrics', '/api/dispatcher/acme/api/v1/x', '/api/audit']) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer t' } });
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 404, type: 'application/problem+json; charset=utf-8' });
    }
    expect(audit.seen).toEqual([]);
  });

  it('answers 503 with Retry-After at once when a service cannot be reached', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/api/ingest/acme/api/v1/events`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { detail: string }).detail).toBe('event-ingest cannot be reached; retry after Retry-After seconds.');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers 504 when a service does not answer in time', async () => {
    audit.answer = () => ({ status: 200, body: '{}', delayMs: 1_000 });
    const res = await fetch(`${base}/api/audit/acme/api/v1/stats`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { type: string }).type).toBe('urn:hookmesh:problem:upstream-timeout');
  });

  it('serves the app for every page path with the strict policy, and assets as immutable', async () => {
    for (const page of ['/', '/deliveries/0190a5b2', '/callbacks?embed=1']) {
      const res = await fetch(`${base}${page}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>Hookmesh</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const policy = res.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'self' https://dash.example.com");
      expect(policy).toContain("require-trusted-types-for 'script'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const asset = await fetch(`${base}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('is ready once the app is built, and counts forwarded calls in /metrics', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/hookmesh_console_forwarded_requests_total\{upstream="subscription-service",status="201"\} 1/);
    expect(metrics).toMatch(/hookmesh_console_forwarded_requests_total\{upstream="event-ingest",status="503"\} 1/);
  });
});
