// Delivery controls end to end: the four services as processes (two dispatchers), real receivers. Ordered delivery
// holds through a flaky receiver and two SIGKILLed dispatchers; a rate limit holds across both dispatchers while an
// unlimited callback keeps its pace; a 410 tells the operator's endpoint, signed with Standard Webhooks.
import { eventTypes, natsNames } from '@hookmesh/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { adminCall, call, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';

const KEYS = 50;
const STEPS = 20;
const order = (orderId: string, step: number) => [{ ...(eventTypes.orderEvent.example.data as Array<Record<string, unknown>>)[0], order_id: orderId, status: 'inProcess', step }];
type OrderBody = { message_id: string; data: Array<{ order_id: string; step: number }> };

/** Where the stuck keys stand (their ordering state, their wake-up, the ORDERED consumer): said when the test fails. */
async function orderingDiagnostics(platform: Platform, callbackId: string, keys: string[]): Promise<string> {
  const names = natsNames(platform.prefix);
  const nc = await connect({ servers: platform.natsUrl });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const states = await new Kvm(js).open(names.ordering.bucket);
    const lines: string[] = [];
    for (const key of keys.slice(0, 5)) {
      const entry = await states.get(names.ordering.key('ordered', callbackId, key));
      const subject = names.orderedSubject('ordered', callbackId, key);
      const info = await jsm.streams.info(names.streams.ordered, { subjects_filter: subject });
      lines.push(`${key}: state ${entry?.string()} wakes ${JSON.stringify(info.state.subjects ?? {})}`);
    }
    const consumer = await jsm.consumers.info(names.streams.ordered, names.consumers.dispatcherOrdered);
    lines.push(`consumer: pending ${consumer.num_pending} ack_pending ${consumer.num_ack_pending} redelivered ${consumer.num_redelivered}`);
    return lines.join('\n');
  } finally {
    await nc.close();
  }
}

describe('delivery controls', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({
      label: 'controls',
      instances: { dispatcher: 2 },
      env: {
        // Enough attempts that a 30 % failure rate never exhausts one; the circuit stays out of the way.
        HOOKMESH_RETRY_SCHEDULE: '0,50ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms',
        HOOKMESH_CIRCUIT_THRESHOLD: '10000',
        // A killed dispatcher's keys come back after its lease: the HTTP timeout plus this margin.
        HOOKMESH_DELIVERY_TIMEOUT: '2s',
        HOOKMESH_ACK_WAIT_MARGIN: '1s',
      },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('delivers 50 keys × 20 events each in ingest order through a 30 % failure rate and two SIGKILLed dispatchers, losing none', async () => {
    receiver.setBehaviour((request) => (request.path === '/ordered' ? { status: Math.random() < 0.3 ? 500 : 200 } : { status: 200 }));
    const [callback] = await registerCallbacks(platform, 'ordered', [{ url: receiver.url('/ordered'), message_type: 'orderEvent', ordered: true }]);
    expect(callback).toMatchObject({ ordered: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const keys = Array.from({ length: KEYS }, (_, index) => `order-${index}`);
    const accepted = new Map<string, string[]>();
    for (let step = 1; step <= STEPS; step += 1) {
      const batch = keys.map((key) => ({ message_type: 'orderEvent', data: order(key, step) }));
      const response = await call<{ events: Array<{ message_id: string }> }>(platform, 'event-ingest', 'ordered', 'POST', '/events', batch);
      expect(response.status).toBe(202);
      response.body.events.forEach((event, index) => accepted.set(keys[index]!, [...(accepted.get(keys[index]!) ?? []), event.message_id]));
      // Two kills while deliveries are under way: one per replica, each restarted.
      if (step === 5 || step === 12) {
        const victim = step === 5 ? 0 : 1;
        await waitFor(() => receiver.requests.filter((request) => request.path === '/ordered').length > step * 20, { timeoutMs: 30_000, label: 'ordered deliveries under way' });
        await platform.kill('dispatcher', 'SIGKILL', victim);
        await platform.start('dispatcher', victim);
      }
    }
    const delivered = () => receiver.requests.filter((request) => request.path === '/ordered' && request.outcome === 'answered' && request.status === 200);
    const missing = () => {
      const seen = new Set(delivered().map((request) => (JSON.parse(request.body) as OrderBody).message_id));
      return [...accepted].flatMap(([key, ids]) => {
        const left = ids.filter((id) => !seen.has(id)).length;
        return left === 0 ? [] : [`${key}: ${left} of ${ids.length}`];
      });
    };
    await waitFor(() => missing().length === 0, { timeoutMs: 150_000, intervalMs: 500, label: 'every accepted event delivered' }).catch(async (error: Error) => {
      throw new Error(`${error.message}; still missing: ${missing().slice(0, 10).join(', ')}\n${await orderingDiagnostics(platform, callback!.id, missing().map((line) => line.split(':')[0]!))}`);
    });
    let duplicates = 0;
    for (const key of keys) {
      const requests = delivered().filter((request) => (JSON.parse(request.body) as OrderBody).data[0]!.order_id === key);
      const steps = requests.map((request) => (JSON.parse(request.body) as OrderBody).data[0]!.step);
      // In order by the payload: never a later step before an earlier one (a repeat after a kill comes before the next).
      expect({ key, steps }).toEqual({ key, steps: [...steps].sort((a, b) => a - b) });
      expect([...new Set(steps)]).toEqual(Array.from({ length: STEPS }, (_, index) => index + 1));
      // And by the sequence header, which numbers the key's deliveries from 1.
      expect(requests.map((request) => Number(request.headers['x-hookmesh-sequence']))).toEqual(steps);
      duplicates += steps.length - STEPS;
    }
    console.log(`ordering: ${KEYS * STEPS} events, ${receiver.requests.filter((request) => request.path === '/ordered').length} attempts, ${duplicates} duplicates after the kills`);
  }, 240_000);

  it('holds 1,000 events to a callback limited to 50 a second to at most 55 in any second, delivering all, while an unlimited callback keeps its rate', async () => {
    await registerCallbacks(platform, 'limited', [
      { url: receiver.url('/limited'), message_type: 'skuInventoryChange', rate_limit: { per_second: 50 } },
      { url: receiver.url('/unlimited'), message_type: 'skuInventoryChange' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const data = (eventTypes.skuInventoryChange.example as { data: unknown }).data;
    const started = Date.now();
    for (let sent = 0; sent < 1_000; sent += 100) {
      const response = await call(platform, 'event-ingest', 'limited', 'POST', '/events', Array.from({ length: 100 }, () => ({ message_type: 'skuInventoryChange', data })));
      expect(response.status).toBe(202);
    }
    const at = (path: string) => receiver.requests.filter((request) => request.path === path);
    await waitFor(() => at('/unlimited').length >= 1_000, { timeoutMs: 60_000, label: 'the unlimited callback' });
    const unlimitedMs = Math.max(...at('/unlimited').map((request) => request.at)) - started;
    const listed = await call<{ callbacks: Array<{ url: string; rate_limited?: boolean }> }>(platform, 'subscription-service', 'limited', 'GET', '/callbacks');
    expect(listed.body.callbacks.find((callback) => callback.url === receiver.url('/limited'))?.rate_limited).toBe(true);
    await waitFor(() => new Set(at('/limited').map((request) => request.headers['webhook-id'])).size >= 1_000, { timeoutMs: 60_000, intervalMs: 500, label: 'every limited delivery' });
    const perSecond = new Map<number, number>();
    for (const request of at('/limited')) perSecond.set(Math.floor(request.at / 1000), (perSecond.get(Math.floor(request.at / 1000)) ?? 0) + 1);
    const busiest = Math.max(...perSecond.values());
    const limitedMs = Math.max(...at('/limited').map((request) => request.at)) - started;
    console.log(`rate limit: busiest second ${busiest}, limited done in ${limitedMs} ms, unlimited in ${unlimitedMs} ms`);
    expect(busiest).toBeLessThanOrEqual(55);
    expect(limitedMs).toBeGreaterThanOrEqual(18_000);
    expect(unlimitedMs).toBeLessThan(limitedMs / 2);
    const metrics = await Promise.all(platform.instanceUrls('dispatcher').map(async (url) => (await fetch(`${url}/metrics`)).text()));
    const heldBack = metrics.map((text) => Number(/^hookmesh_deliveries_rate_limited_total (\d+)/m.exec(text)?.[1] ?? 0)).reduce((sum, n) => sum + n, 0);
    expect(heldBack).toBeGreaterThan(0);
  }, 120_000);

  it("tells the operator's endpoint, signed with Standard Webhooks, when a callback answering 410 is disabled", async () => {
    const created = await adminCall<{ id: string; secret: string }>(platform, 'subscription-service', 'POST', '/operational_callbacks', {
      url: receiver.url('/operator'),
      events: ['callback.disabled', 'delivery.failed'],
    });
    expect(created.status).toBe(201);
    receiver.setBehaviour((request) => (request.path === '/gone' ? { status: 410 } : { status: 200 }));
    const [gone] = await registerCallbacks(platform, 'leaving', [{ url: receiver.url('/gone'), message_type: 'rmaEvent' }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const messageId = (await call<{ message_id: string }>(platform, 'event-ingest', 'leaving', 'POST', '/events', { message_type: 'rmaEvent', data: (eventTypes.rmaEvent.example as { data: unknown }).data })).body.message_id;
    const atOperator = (type: string) => receiver.requests.filter((request) => request.path === '/operator' && (JSON.parse(request.body) as { message_type: string }).message_type === type);
    await waitFor(() => atOperator('callback.disabled').length > 0 && atOperator('delivery.failed').length > 0, { timeoutMs: 30_000, label: 'both events at the operator' });
    const request = atOperator('callback.disabled')[0]!;
    const verified = new Webhook(created.body.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { message_type: string; api_version: string; data: Record<string, unknown> };
    expect(verified).toMatchObject({ message_type: 'callback.disabled', api_version: '1.0' });
    expect(verified.data).toMatchObject({
      account: 'leaving',
      callback_id: gone!.id,
      url: receiver.url('/gone'),
      message_type: 'rmaEvent',
      reason: '410 Gone',
      last_status_code: 410,
      attempts: 1,
      message_link: `/leaving/api/v1/messages/${messageId}`,
      delivery_id: expect.any(String),
      at: expect.any(String),
    });
    const failed = JSON.parse(atOperator('delivery.failed')[0]!.body) as { data: Record<string, unknown> };
    expect(failed.data).toMatchObject({ account: 'leaving', callback_id: gone!.id, last_status_code: 410 });
  }, 60_000);
});
