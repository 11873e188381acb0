// Fan-out against real NATS JetStream: one task per matching callback, no duplicates after a crash, work shared by replicas.
import { DeliveryTask, deliveryIdFor, type DeliveryCreatedRecord } from '@hookmesh/contracts';
import { waitFor } from '@hookmesh/testing';
import { planFanOut } from './domain/fan-out';
import { createPublishers } from './messaging/publishers';
import {
  attemptsOf,
  auditOf,
  fanoutIdle,
  publishEvent,
  putCallback,
  readStream,
  startNatsHarness,
  startReceiver,
  startTestDispatcher,
  type NatsHarness,
  type Receiver,
} from './test-support';

describe('fan-out', () => {
  const receivers: Receiver[] = [];
  const harnesses: NatsHarness[] = [];
  const stops: Array<() => Promise<void>> = [];

  async function harness(label: string): Promise<NatsHarness> {
    const started = await startNatsHarness(label);
    harnesses.push(started);
    return started;
  }

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await Promise.all(receivers.map((r) => r.close()));
    await Promise.all(harnesses.map((h) => h.close()));
  });

  it('publishes one task per active callback of the account and type, with a delivery_created record each', async () => {
    const h = await harness('fanmatch');
    const dispatcher = await startTestDispatcher(h, { roles: { fanout: true, delivery: false } });
    stops.push(() => dispatcher.stop());
    const a = await putCallback(h, { account: 'shop', url: 'https://a.example.com/hook' });
    const b = await putCallback(h, { account: 'shop', url: 'https://b.example.com/hook' });
    await putCallback(h, { account: 'shop', url: 'https://disabled.example.com/hook', status: 'disabled' });
    await putCallback(h, { account: 'shop', url: 'https://sku.example.com/hook', message_type: 'skuInventoryChange' });
    await putCallback(h, { account: 'other-shop', url: 'https://other.example.com/hook' });
    await waitFor(() => dispatcher.view.size().callbacks === 5, { label: 'view loaded' });

    const event = await publishEvent(h, 'shop', 'orderEvent');
    await fanoutIdle(h);

    const tasks = await readStream(h, h.names.streams.deliveries, h.names.subjects.deliveries, DeliveryTask);
    expect(tasks.map((task) => task.callback_id).sort()).toEqual([a.state.id, b.state.id].sort());
    for (const task of tasks) {
      expect(task).toMatchObject({ delivery_id: deliveryIdFor(event.message_id, task.callback_id), series: 0, attempt: 1, account: 'shop' });
      expect(task.event).toEqual({ message_id: event.message_id, message_type: 'orderEvent', api_version: '1.0', data: event.data });
    }
    const created = (await auditOf(h, 'shop')).filter((record): record is DeliveryCreatedRecord => record.kind === 'delivery_created');
    expect(created.map((record) => record.delivery_id).sort()).toEqual(tasks.map((task) => task.delivery_id).sort());
  });

  it('re-running a fan-out that crashed between publishes stores no duplicate task, and each is delivered once', async () => {
    const h = await harness('fancrash');
    const endpoint = await startReceiver();
    receivers.push(endpoint);
    const callbacks = await Promise.all(Array.from({ length: 5 }, (_, n) => putCallback(h, { account: 'crashy', url: `${endpoint.url}/cb/${n}` })));

    // A crashed fan-out had stored the tasks of the first two callbacks before dying (its event stayed unacked).
    const event = await publishEvent(h, 'crashy', 'orderEvent');
    const partial = planFanOut({ event, callbacks: callbacks.slice(0, 2).map((c) => c.state), now: new Date(), firstAttemptDelayMs: () => 0, traceId: null });
    const publishers = createPublishers(h.js, h.names);
    await Promise.all(partial.map((planned) => publishers.toDue(planned.task)));
    expect((await h.jsm.streams.info(h.names.streams.deliveries)).state.messages).toBe(2);

    const fanout = await startTestDispatcher(h, { roles: { fanout: true, delivery: false } });
    stops.push(() => fanout.stop());
    await fanoutIdle(h);
    expect((await h.jsm.streams.info(h.names.streams.deliveries)).state.messages).toBe(5);

    const delivery = await startTestDispatcher(h, { roles: { fanout: false, delivery: true } });
    stops.push(() => delivery.stop());
    await waitFor(() => endpoint.requests.length >= 5, { label: 'five deliveries' });
    await waitFor(async () => (await attemptsOf(h, 'crashy')).length >= 5, { label: 'five attempt records' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.requests).toHaveLength(5);
    expect(new Set(endpoint.requests.map((r) => r.headers['x-hookmesh-delivery'])).size).toBe(5);
    expect((await h.jsm.streams.info(h.names.streams.deliveries)).state.messages).toBe(0);
  });

  it('two dispatcher processes sharing the consumers deliver every task exactly once', async () => {
    const h = await harness('fantwo');
    const endpoint = await startReceiver();
    receivers.push(endpoint);
    await Promise.all(Array.from({ length: 3 }, (_, n) => putCallback(h, { account: 'pair', url: `${endpoint.url}/cb/${n}` })));
    const first = await startTestDispatcher(h);
    const second = await startTestDispatcher(h);
    stops.push(() => first.stop(), () => second.stop());
    await waitFor(() => first.view.size().callbacks === 3 && second.view.size().callbacks === 3, { label: 'both views loaded' });

    const events = [];
    for (let n = 0; n < 20; n += 1) events.push(await publishEvent(h, 'pair'));
    await waitFor(() => endpoint.requests.length >= 60, { timeoutMs: 15_000, label: '60 deliveries' });
    await fanoutIdle(h);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(endpoint.requests).toHaveLength(60);
    const deliveryIds = endpoint.requests.map((r) => r.headers['x-hookmesh-delivery']);
    expect(new Set(deliveryIds).size).toBe(60);
    expect(new Set(endpoint.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(events.map((e) => e.message_id)));
    // Both processes took part (JetStream shares a durable pull consumer between its clients).
    const delivered = async (registry: typeof first.registry) =>
      (await registry.getSingleMetricAsString('hookmesh_deliveries_total')).match(/outcome="delivered"} (\d+)/)?.[1];
    const counts = [Number(await delivered(first.registry)), Number(await delivered(second.registry))];
    expect(counts[0]! + counts[1]!).toBe(60);
  });
});
