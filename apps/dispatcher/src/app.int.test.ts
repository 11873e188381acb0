// The dispatcher's HTTP surface over real HTTP: probes, metrics and OpenAPI; readiness follows NATS.
import { buildOpenApiDocument, natsNames } from '@hookmesh/contracts';
import { startHttpServer, type RunningHttpServer } from '@hookmesh/http';
import { connectNats, jetstreamManager, type NatsConnection } from '@hookmesh/messaging';
import { startOwnNatsServer, waitFor, type OwnNatsServer } from '@hookmesh/testing';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { createDispatcher, type Dispatcher } from './dispatcher';
import { ensureDispatcherStreams } from './messaging/streams';
import { publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

const log = pino({ level: 'silent' });

describe('dispatcher app', () => {
  let harness: NatsHarness;
  let dispatcher: Awaited<ReturnType<typeof startTestDispatcher>>;
  let server: RunningHttpServer;
  let endpoint: Receiver;
  let base: string;

  beforeAll(async () => {
    harness = await startNatsHarness('app');
    endpoint = await startReceiver();
    dispatcher = await startTestDispatcher(harness);
    server = await startHttpServer(createApp({ log, registry: dispatcher.registry, nc: dispatcher.nc, dispatcher }), { port: 0, host: '127.0.0.1', log });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await dispatcher?.stop();
    await endpoint?.close();
    await harness?.close();
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', service: 'dispatcher' });
  });

  it('is ready when NATS answers and the subscription view is loaded', async () => {
    await putCallback(harness, { account: 'ready', url: `${endpoint.url}/hook` });
    await waitFor(() => dispatcher.view.size().callbacks === 1, { label: 'view has the callback' });
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      checks: { nats: { ok: true }, subscription_view: { ok: true, detail: '1 callbacks, 0 holds' } },
    });
  });

  it('serves its OpenAPI document', async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('dispatcher'))));
  });

  it('reports the lag of both consumers from the first scrape', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const consumer of [harness.names.consumers.dispatcherFanout, harness.names.consumers.dispatcherDelivery]) {
      expect(text).toContain(`hookmesh_consumer_pending_messages{consumer="${consumer}"} 0`);
      expect(text).toContain(`hookmesh_consumer_ack_pending_messages{consumer="${consumer}"} 0`);
    }
  });

  it('exposes delivery metrics', async () => {
    await publishEvent(harness, 'ready');
    await waitFor(() => endpoint.requests.length === 1, { label: 'one delivery' });
    await waitFor(async () => (await (await fetch(`${base}/metrics`)).text()).includes('hookmesh_deliveries_total{outcome="delivered"} 1'), {
      label: 'delivered counter',
    });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('hookmesh_delivery_attempt_duration_seconds_count{outcome="delivered"} 1');
    // Attempted straight from the fan-out: no task was stored.
    expect(text).toContain('hookmesh_fanout_tasks_published_total 0');
    expect(text).toContain('hookmesh_deliveries_in_flight 0');
    expect(text).toContain('hookmesh_delivery_retries_total 0');
    expect(text).toContain('hookmesh_subscription_view_entries{kind="callback"} 1');
  });

  it('answers 404 as problem+json for routes it does not have', async () => {
    const response = await fetch(`${base}/acme/api/v1/callbacks`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('dispatcher readiness when NATS goes away', () => {
  let nats: OwnNatsServer;
  let nc: NatsConnection;
  let dispatcher: Dispatcher;
  let server: RunningHttpServer;
  let natsDown = false;

  beforeAll(async () => {
    nats = await startOwnNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'readiness-test', log });
    const names = natsNames('ready_');
    await ensureDispatcherStreams(await jetstreamManager(nc), { prefix: names.prefix, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, replicas: 1 });
    const registry = new Registry();
    dispatcher = await createDispatcher({
      nc,
      names,
      log,
      registry,
      secretsKeys: [],
      delivery: { schedule: [0], timeoutMs: 1_000, retryAfterMaxMs: 1_000, holdRecheckMs: 100, busyRecheckMs: 50, headerPrefix: 'X-Hookmesh', userAgent: 'Hookmesh-Webhook/1.0', excerptMaxBytes: 256 },
      concurrency: { overall: 4, perCallback: 2, fanout: 2, connectionsPerOrigin: 2 },
      circuit: { threshold: 5, cooldownMs: 1_000, disableAfterMs: 60_000 },
      maxAckPending: 100,
      egress: { allowPrivateTargets: true },
    });
    server = await startHttpServer(createApp({ log, registry, nc, dispatcher }), { port: 0, host: '127.0.0.1', log });
  });
  afterAll(async () => {
    await server?.close();
    // Started again only if the test left it down: a second start() would orphan the running server process.
    if (natsDown) await nats.start();
    await dispatcher?.stop();
    await nc?.drain().catch(() => undefined);
    await nats?.destroy();
  });

  it('turns 503 with Retry-After when NATS is unreachable, and ready again when it is back', async () => {
    const url = `http://127.0.0.1:${server.port}/readyz`;
    expect((await fetch(url)).status).toBe(200);

    await nats.stop();
    natsDown = true;
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks['nats']!.ok).toBe(false);

    await nats.start();
    natsDown = false;
    await waitFor(async () => (await fetch(url)).status === 200, { timeoutMs: 10_000, label: 'ready again' });
  });
});
