// A stalled link to NATS (bytes held, no reset): every request that waits on JetStream still answers in time.
import type { CallbackWithSecret } from '@hookmesh/contracts';
import { createTestNats, startTcpProxy, waitFor, type TcpProxy, type TestNats } from '@hookmesh/testing';
import { call, startTestService, type TestService } from '../test-support';
import { ANSWER_AFTER_PUBLISH_MS } from './state-publisher';

const PUBLISH_TIMEOUT_MS = 1_000;
const MARGIN_MS = 500;

describe('subscription-service when the link to NATS stalls', () => {
  let testNats: TestNats;
  let proxy: TcpProxy;
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    testNats = await createTestNats('substall');
    proxy = await startTcpProxy({ port: Number(new URL(testNats.url).port) });
    svc = await startTestService({ label: 'substall', natsUrl: `nats://127.0.0.1:${proxy.port}`, prefix: testNats.prefix, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
    token = await svc.token('acme');
  });
  afterAll(async () => {
    proxy?.release();
    await svc?.close();
    await proxy?.close();
    await testNats?.cleanup();
  });

  async function timed<T>(request: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
    const started = Date.now();
    const result = await request();
    return { result, elapsed: Date.now() - started };
  }

  it('answers /test with 503 within HOOKMESH_PUBLISH_TIMEOUT, and KV-writing changes within their bound', async () => {
    const api = svc.api('acme');
    const created = await call(`${api}/callbacks`, { method: 'POST', token, json: [{ url: 'https://stall.example.com/a', message_type: 'orderEvent', api_version: '1.0' }] });
    expect(created.status).toBe(201);
    const callback = (created.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;

    proxy.hold();
    const test = await timed(() => call(`${api}/callbacks/${callback.id}/test`, { method: 'POST', token }));
    expect(test.result.status).toBe(503);
    expect(test.result.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(test.elapsed).toBeLessThan(PUBLISH_TIMEOUT_MS + MARGIN_MS);

    // Postgres holds the change; the KV write is waited on only briefly, then left to the outbox.
    const patched = await timed(() => call(`${api}/callbacks/${callback.id}`, { method: 'PATCH', token, json: { url: 'https://stall.example.com/b' } }));
    expect(patched.result.status).toBe(200);
    expect(patched.elapsed).toBeLessThan(ANSWER_AFTER_PUBLISH_MS + MARGIN_MS);
    proxy.release();

    await waitFor(async () => (await call(`${api}/callbacks/${callback.id}/test`, { method: 'POST', token })).status === 202, {
      label: '/test stores its event once the link flows',
      timeoutMs: 10_000,
    });
    await waitFor(async () => (await svc.kv.get(svc.names.kv.callbackKey('acme', callback.id)))?.string().includes('stall.example.com/b') === true, {
      label: 'the patched URL reaches the KV bucket',
      timeoutMs: 10_000,
    });
  }, 30_000);
});
