// A NATS crash under load, and a stalled link: 202 only for stored events, 503 + Retry-After meanwhile (in time),
// nothing acknowledged lost.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventTypes } from '@hookmesh/contracts';
import { createTestNats, startOwnNatsServer, startTcpProxy, waitFor, type OwnNatsServer, type TcpProxy, type TestNats } from '@hookmesh/testing';
import { startTestIngest, type TestIngest } from './test-support';

const PRODUCERS = 4;

describe('event-ingest when NATS goes down and comes back', () => {
  // A private nats-server, so killing it never disturbs the shared one.
  let server: OwnNatsServer;
  let ingest: TestIngest;

  beforeAll(async () => {
    server = await startOwnNatsServer();
    ingest = await startTestIngest({ natsUrl: server.url, prefix: 'outage_', publishTimeoutMs: 500 });
  });
  afterAll(async () => {
    await ingest?.close();
    await server?.destroy();
  });

  it('never answers 202 for an event it did not store, and a retry with the same keys stores each event once', async () => {
    const accepted = new Map<string, string>(); // idempotency key → message_id answered with 202
    const refused = new Set<string>(); // idempotency keys answered 503
    const unexpected: string[] = [];
    let next = 0;
    let producing = true;

    const event = (key: string) => ({ message_type: 'orderEvent', data: eventTypes.orderEvent.example.data, idempotency_key: key });
    async function produce(): Promise<void> {
      while (producing) {
        const key = `order-${next++}`;
        const res = await ingest.postEvents('acme', event(key));
        if (res.status === 202) {
          accepted.set(key, ((await res.json()) as { message_id: string }).message_id);
        } else if (res.status === 503 && /^[1-9]\d*$/.test(res.headers.get('retry-after') ?? '')) {
          refused.add(key);
          await res.text();
          // A real producer waits Retry-After seconds; a short pause keeps this test fast without spinning.
          await new Promise((resolve) => setTimeout(resolve, 20));
        } else {
          unexpected.push(`${key}: ${res.status} ${await res.text()}`);
        }
      }
    }
    const producers = Array.from({ length: PRODUCERS }, () => produce());

    await waitFor(() => accepted.size >= 30, { label: '30 events accepted before the crash' });
    await server.stop('SIGKILL');
    const acceptedAtCrash = accepted.size;
    await waitFor(() => refused.size >= 10, { label: '503s while NATS is down' });

    const notReady = await fetch(`${ingest.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { nats: { ok: false } } });

    await server.start();
    await waitFor(async () => (await fetch(`${ingest.url}/readyz`)).status === 200, { label: 'ready after restart', timeoutMs: 20_000 });
    await waitFor(() => accepted.size >= acceptedAtCrash + 30, { label: '30 events accepted after the restart', timeoutMs: 20_000 });
    producing = false;
    await Promise.all(producers);
    expect(unexpected).toEqual([]);

    // Every event that got a 202 is in the stream, with the id it was answered with.
    const storedIds = new Set((await ingest.storedEvents()).map((stored) => stored.record.message_id));
    const missing = [...accepted].filter(([, messageId]) => !storedIds.has(messageId));
    expect(missing).toEqual([]);

    // The producer retries every refused key; whatever was stored before the 503 is not stored twice.
    for (const key of refused) {
      const retry = await ingest.postEvents('acme', event(key));
      expect(retry.status).toBe(202);
    }
    const keys = (await ingest.storedEvents()).map((stored) => stored.record.idempotency_key);
    expect(keys).toHaveLength(new Set(keys).size);
    expect(new Set(keys)).toEqual(new Set([...accepted.keys(), ...refused]));
  }, 60_000);
});

describe('event-ingest when the link to NATS stalls', () => {
  // The link is held, not cut: no reset, no disconnect, the client just hears nothing (a hung server looks the same).
  const PUBLISH_TIMEOUT_MS = 1_000;
  const MARGIN_MS = 500;
  let testNats: TestNats;
  let proxy: TcpProxy;
  let ingest: TestIngest;

  beforeAll(async () => {
    testNats = await createTestNats('stall');
    proxy = await startTcpProxy({ port: Number(new URL(testNats.url).port) });
    ingest = await startTestIngest({ natsUrl: `nats://127.0.0.1:${proxy.port}`, prefix: testNats.prefix, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
  });
  afterAll(async () => {
    proxy?.release();
    await ingest?.close();
    await proxy?.close();
    await testNats?.cleanup();
  });

  it('answers 503 with Retry-After within HOOKMESH_PUBLISH_TIMEOUT and a small margin, and 202 again once the link flows', async () => {
    const event = (key: string) => ({ message_type: 'orderEvent', data: eventTypes.orderEvent.example.data, idempotency_key: key });
    expect((await ingest.postEvents('acme', event('before'))).status).toBe(202);

    proxy.hold();
    for (const body of [event('stalled-one'), [event('stalled-batch-1'), event('stalled-batch-2')]]) {
      const started = Date.now();
      const res = await ingest.postEvents('acme', body);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(elapsed).toBeLessThan(PUBLISH_TIMEOUT_MS + MARGIN_MS);
    }
    proxy.release();

    // The producer retries with the same key; what the held link delivered late is not stored twice.
    await waitFor(async () => (await ingest.postEvents('acme', event('stalled-one'))).status === 202, { label: '202 after the stall', timeoutMs: 10_000 });
    const keys = (await ingest.storedEvents()).map((stored) => stored.record.idempotency_key);
    expect(keys.filter((key) => key === 'stalled-one')).toHaveLength(1);
  }, 30_000);
});
