// Each callback's health in the Callback API, read from the dispatchers' circuits bucket (real NATS): healthy before
// any dispatcher created the bucket, then failing or circuit_open as the records say, healthy again once one goes.
import type { Callback, CallbackWithSecret, CircuitRecord } from '@hookmesh/contracts';
import { openKv, type KV } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { call, startTestService, type TestService } from '../test-support';

describe('callback health from the circuits bucket', () => {
  let svc: TestService;
  let token: string;
  let callback: CallbackWithSecret;
  let bucket: KV;

  beforeAll(async () => {
    svc = await startTestService({ label: 'health' });
    token = await svc.token('acme');
    const res = await call(`${svc.api('acme')}/callbacks`, {
      method: 'POST',
      token,
      json: [{ url: 'https://flaky.example.com/hook', message_type: 'orderEvent', api_version: '1.0' }],
    });
    expect(res.status).toBe(201);
    callback = (res.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
  });
  afterAll(async () => {
    await svc?.close();
  });

  const health = async (): Promise<Callback> => {
    const res = await call(`${svc.api('acme')}/callbacks`, { token });
    return (res.body as { callbacks: Callback[] }).callbacks.find((candidate) => candidate.id === callback.id)!;
  };
  const record = (changes: Partial<CircuitRecord>): CircuitRecord => ({
    account: 'acme',
    callback_id: callback.id,
    consecutive_failures: 2,
    failing_since: '2026-12-01T10:00:00.000Z',
    opened_at: null,
    closes_at: null,
    probe_started_at: null,
    last_status_code: 502,
    last_error: null,
    updated_at: '2026-12-01T10:01:00.000Z',
    ...changes,
  });

  it('is healthy while no dispatcher has created the bucket yet', async () => {
    await waitFor(async () => (await health()).health === 'healthy', { timeoutMs: 3_000, label: 'health known' });
    expect(await health()).not.toHaveProperty('health_detail');
  });

  it('follows the records: failing, then circuit_open with when it closes, then healthy once the record is gone', async () => {
    // What a dispatcher does at start: create the bucket (its options are the dispatcher's business).
    bucket = await openKv(svc.js, svc.names.circuits.bucket, { history: 1 });
    const key = svc.names.circuits.key('acme', callback.id);
    await bucket.put(key, JSON.stringify(record({})));
    await waitFor(async () => (await health()).health === 'failing', { timeoutMs: 3_000, label: 'failing' });
    expect((await health()).health_detail).toEqual({ failing_since: '2026-12-01T10:00:00.000Z', consecutive_failures: 2, last_status_code: 502, last_error: null });

    await bucket.put(key, JSON.stringify(record({ consecutive_failures: 5, opened_at: '2026-12-01T10:05:00.000Z', closes_at: '2099-01-01T00:00:00.000Z' })));
    await waitFor(async () => (await health()).health === 'circuit_open', { timeoutMs: 3_000, label: 'circuit_open' });
    expect((await health()).health_detail).toMatchObject({ circuit_closes_at: '2099-01-01T00:00:00.000Z', consecutive_failures: 5 });
    const single = await call(`${svc.api('acme')}/callbacks/${callback.id}`, { token });
    expect(single.body).toMatchObject({ health: 'circuit_open' });

    await bucket.delete(key);
    await waitFor(async () => (await health()).health === 'healthy', { timeoutMs: 3_000, label: 'healthy again' });
  });

  it("never shows another account's record", async () => {
    await bucket.put(svc.names.circuits.key('globex', callback.id), JSON.stringify(record({ account: 'globex', opened_at: '2026-12-01T10:05:00.000Z', closes_at: '2099-01-01T00:00:00.000Z' })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await health()).health).toBe('healthy');
  });
});
