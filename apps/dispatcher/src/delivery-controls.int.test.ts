// Delivery controls against real NATS with two dispatchers on one prefix: ordered delivery per key (through retries
// and a dispatcher stopping mid-flow), per-callback rate limits held across both, operational events for the
// operator's callbacks (and never about them).
import { EventRecord, OperationalEventData, type CallbackState } from '@hookmesh/contracts';
import { openKv, publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import {
  nextEventSeq,
  publishEvent,
  publishKeyedEvent,
  putCallback,
  startNatsHarness,
  startReceiver,
  startTestDispatcher,
  type NatsHarness,
  type ReceivedRequest,
} from './test-support';

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.body.toString()) as { message_id: string; data: Array<{ order_id: string; step: number }> };

describe('delivery controls', () => {
  let harness: NatsHarness;

  beforeAll(async () => {
    harness = await startNatsHarness('controls');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('delivers each key of an ordered callback in ingest order through failures, retries and a stopped dispatcher, numbering each key from 1', async () => {
    const account = 'ordered';
    // 30 % of attempts fail (a fixed pseudo-random sequence, so the run is repeatable).
    let seed = 7;
    const flaky = () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 10 < 3;
    };
    const statuses: number[] = [];
    const receiver = await startReceiver(() => {
      const status = flaky() ? 500 : 200;
      statuses.push(status);
      return { status };
    });
    const first = await startTestDispatcher(harness, { delivery: { schedule: [0, 20, 20, 20, 20, 20, 20, 20, 20, 20] } });
    const second = await startTestDispatcher(harness, { delivery: { schedule: [0, 20, 20, 20, 20, 20, 20, 20, 20, 20] } });
    await putCallback(harness, { account, url: `${receiver.url}/ordered`, ordered: true, ordered_from_seq: await nextEventSeq(harness) });
    const keys = Array.from({ length: 8 }, (_, index) => `order-${index}`);
    const steps = 8;
    const published = new Map<string, string[]>();
    for (let step = 1; step <= steps; step += 1) {
      for (const key of keys) {
        const { record } = await publishKeyedEvent(harness, account, 'orderEvent', [{ order_id: key, step, status: 'packed', customer_identifier: 'c' }], key);
        published.set(key, [...(published.get(key) ?? []), record.message_id]);
      }
      if (step === 3) await first.stop();
    }
    const answered = () => receiver.requests.map((request, index) => ({ request, status: statuses[index] }));
    await waitFor(
      () => keys.every((key) => published.get(key)!.every((id) => answered().some(({ request, status }) => status === 200 && bodyOf(request).message_id === id))),
      { timeoutMs: 60_000, label: 'every event delivered' },
    );
    for (const key of keys) {
      const attempts = answered().filter(({ request }) => bodyOf(request).data[0]!.order_id === key);
      // The next event of a key is attempted only once the previous one was delivered.
      attempts.forEach(({ request, status }, index) => {
        const next = attempts[index + 1];
        if (next !== undefined && bodyOf(next.request).data[0]!.step !== bodyOf(request).data[0]!.step) expect({ key, status }).toEqual({ key, status: 200 });
      });
      const requests = attempts.map(({ request }) => request);
      // Attempts of one key never interleave: each event is tried until it is delivered, then the next one.
      const order = requests.map((request) => bodyOf(request).data[0]!.step);
      const firstSeen = order.filter((step, index) => order.indexOf(step) === index);
      expect({ key, firstSeen }).toEqual({ key, firstSeen: Array.from({ length: steps }, (_, index) => index + 1) });
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // The sequence header numbers the key's deliveries from 1, the same on every retry of one.
      const sequences = requests.map((request) => Number(request.headers['x-hookmesh-sequence']));
      expect(sequences).toEqual(order);
    }
    await second.stop();
    await receiver.close();
  }, 90_000);

  it("attempts each event of a key once when several wakes of the key reach one dispatcher's workers at the same time", async () => {
    const account = 'orderedonce';
    // Slow enough that a second wake of the key arrives while the first worker's attempt is in flight.
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 30 }));
    const dispatcher = await startTestDispatcher(harness);
    await putCallback(harness, { account, url: `${receiver.url}/once`, ordered: true, ordered_from_seq: await nextEventSeq(harness) });
    const keys = ['k-a', 'k-b', 'k-c'];
    const steps = 10;
    const ids: string[] = [];
    for (let step = 1; step <= steps; step += 1) {
      // Each round's events are published together, so their wakes (one per event) race.
      const round = await Promise.all(keys.map((key) => publishKeyedEvent(harness, account, 'orderEvent', [{ order_id: key, step, status: 'packed', customer_identifier: 'c' }], key)));
      ids.push(...round.map(({ record }) => record.message_id));
    }
    await waitFor(() => new Set(receiver.requests.map((request) => bodyOf(request).message_id)).size === ids.length, { timeoutMs: 30_000, label: 'every event delivered' });
    // Nothing more is on its way: a repeat would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const delivered = receiver.requests.map((request) => bodyOf(request).message_id);
    expect(delivered.length - new Set(delivered).size).toBe(0);
    for (const key of keys) {
      const order = receiver.requests.filter((request) => bodyOf(request).data[0]!.order_id === key).map((request) => bodyOf(request).data[0]!.step);
      expect({ key, order }).toEqual({ key, order: Array.from({ length: steps }, (_, index) => index + 1) });
    }
    await dispatcher.stop();
    await receiver.close();
  }, 60_000);

  it('finishes a lane whose only wake is older than its last event (the fan-out publishes wakes concurrently, the older may replace the newer)', async () => {
    const account = 'rewoken';
    const receiver = await startReceiver(() => ({ status: 200 }));
    // A first dispatcher creates the consumers and buckets, then stops: what follows is set up by hand.
    await (await startTestDispatcher(harness)).stop();
    const { state: callback } = await putCallback(harness, { account, url: `${receiver.url}/rewoken`, ordered: true, ordered_from_seq: await nextEventSeq(harness) });
    const key = 'order-late';
    const first = await publishKeyedEvent(harness, account, 'orderEvent', [{ order_id: key, step: 1, status: 'packed', customer_identifier: 'c' }], key);
    const second = await publishKeyedEvent(harness, account, 'orderEvent', [{ order_id: key, step: 2, status: 'fulfilled', customer_identifier: 'c' }], key);
    // The fan-out saw both events, the lane delivered the first, and the only wake left is the first event's: the
    // second's was stored first and then replaced by it (ORDERED keeps one wake per lane).
    const fanout = await harness.js.consumers.get(harness.names.streams.events, harness.names.consumers.dispatcherFanout);
    for (let n = 0; n < 2; n += 1) {
      const msg = await fanout.next({ expires: 5_000 });
      expect(msg?.seq).toBe(n === 0 ? first.seq : second.seq);
      await msg!.ackAck();
    }
    const states = await openKv(harness.js, harness.names.ordering.bucket);
    await states.put(
      harness.names.ordering.key(account, callback.id, key),
      JSON.stringify({ cursor: first.seq, sequence: 1, head: null, lease: null, updated_at: new Date().toISOString() }),
    );
    await publishJson(
      harness.js,
      harness.names.orderedSubject(account, callback.id, key),
      { account, callback_id: callback.id, message_type: 'orderEvent', ordering_key: key, event_seq: first.seq },
      { msgID: `${first.record.message_id}:${callback.id}:ordered` },
    );
    const dispatcher = await startTestDispatcher(harness);
    try {
      await waitFor(() => receiver.requests.length >= 1, { timeoutMs: 10_000, label: "the lane's second event" });
      expect(bodyOf(receiver.requests[0]!).message_id).toBe(second.record.message_id);
      expect(receiver.requests[0]!.headers['x-hookmesh-sequence']).toBe('2');
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
  });

  it('sends an ordered callback an event without a key unordered, and leaves unordered callbacks alone', async () => {
    const account = 'ordered-nokey';
    const receiver = await startReceiver();
    const dispatcher = await startTestDispatcher(harness);
    await putCallback(harness, { account, url: `${receiver.url}/ordered`, ordered: true, ordered_from_seq: await nextEventSeq(harness) });
    await putCallback(harness, { account, url: `${receiver.url}/plain` });
    const unkeyed = await publishEvent(harness, account, 'orderEvent');
    const keyed = await publishKeyedEvent(harness, account, 'orderEvent', [{ order_id: 'k' }], 'k');
    await waitFor(() => receiver.requests.length === 4, { timeoutMs: 10_000, label: 'four deliveries' });
    const byPath = (path: string) => receiver.requests.filter((request) => request.path === path).map((request) => [bodyOf(request).message_id, request.headers['x-hookmesh-sequence']]);
    expect(byPath('/ordered')).toEqual(expect.arrayContaining([[unkeyed.message_id, undefined], [keyed.record.message_id, '1']]));
    expect(byPath('/plain')).toEqual(expect.arrayContaining([[unkeyed.message_id, undefined], [keyed.record.message_id, undefined]]));
    const metrics = await dispatcher.registry.getSingleMetricAsString('hookmesh_ordered_handoffs_total');
    expect(metrics).toMatch(/outcome="unordered_no_key"} 1/);
    expect(metrics).toMatch(/outcome="ordered"} 1/);
    await dispatcher.stop();
    await receiver.close();
  });

  it('holds a rate limit across two dispatchers: never more than the limit in a clock second, none lost, an unlimited callback unaffected', async () => {
    const account = 'limited';
    const receiver = await startReceiver();
    const dispatchers = [await startTestDispatcher(harness), await startTestDispatcher(harness)];
    await putCallback(harness, { account, url: `${receiver.url}/limited`, rate_limit: { per_second: 20 } });
    await putCallback(harness, { account, url: `${receiver.url}/free` });
    const started = Date.now();
    const events = 100;
    await Promise.all(Array.from({ length: events }, () => publishEvent(harness, account, 'orderEvent')));
    await waitFor(() => receiver.requests.filter((request) => request.path === '/free').length === events, { timeoutMs: 20_000, label: 'the unlimited callback' });
    const freeDone = Date.now() - started;
    await waitFor(() => receiver.requests.filter((request) => request.path === '/limited').length === events, { timeoutMs: 30_000, label: 'every limited delivery' });
    const perSecond = new Map<number, number>();
    for (const request of receiver.requests.filter((candidate) => candidate.path === '/limited')) perSecond.set(Math.floor(request.at / 1000), (perSecond.get(Math.floor(request.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(22);
    // 100 at 20 a clock second take five windows, the first maybe partly gone; the unlimited callback did not wait.
    expect(perSecond.size).toBeGreaterThanOrEqual(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(freeDone).toBeLessThan(3_000);
    // Waiting on the limit is no attempt: one attempt per delivery, none retried.
    expect(new Set(receiver.requests.filter((request) => request.path === '/limited').map((request) => request.headers['x-hookmesh-attempt']))).toEqual(new Set(['1']));
    const limited = (await Promise.all(dispatchers.map((dispatcher) => dispatcher.registry.getSingleMetric('hookmesh_deliveries_rate_limited_total')!.get()))).reduce((sum, metric) => sum + (metric.values[0]?.value ?? 0), 0);
    expect(limited).toBeGreaterThan(0);
    const throttled: string[] = [];
    for await (const key of await (await openKv(harness.js, harness.names.throttles.bucket)).keys()) throttled.push(key);
    expect(throttled.some((key) => key.startsWith(`cb.${account}.`))).toBe(true);
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    await receiver.close();
  }, 60_000);

  it("keeps a rate limit at the receiver while its origin's one connection is held by another account's slow callback", async () => {
    const receiver = await startReceiver((request) => ({ status: 200, body: 'ok', ...(request.path === '/slow' ? { delayMs: 1_200 } : {}) }));
    const dispatcher = await startTestDispatcher(harness, { concurrency: { connectionsPerOrigin: 1 } });
    await putCallback(harness, { account: 'slow-neighbour', url: `${receiver.url}/slow` });
    await putCallback(harness, { account: 'limited-neighbour', url: `${receiver.url}/limited`, rate_limit: { per_second: 5 } });
    // The origin's only connection is busy for 1.2 s: the limited attempts admitted meanwhile wait for it past the end
    // of their window, and would reach the receiver together with the next window's own.
    await publishEvent(harness, 'slow-neighbour');
    await waitFor(() => receiver.requests.length === 1, { timeoutMs: 10_000, label: 'the slow attempt under way' });
    const limited = await Promise.all(Array.from({ length: 15 }, () => publishEvent(harness, 'limited-neighbour')));
    const at = () => receiver.requests.filter((request) => request.path === '/limited');
    await waitFor(() => at().length === limited.length, { timeoutMs: 20_000, label: 'every limited delivery' });
    const perSecond = new Map<number, number>();
    for (const request of at()) perSecond.set(Math.floor(request.at / 1000), (perSecond.get(Math.floor(request.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    // Each sent once, as its first attempt: an attempt whose window closed before it got the connection sent nothing.
    expect(at().map((request) => request.headers['x-hookmesh-attempt'])).toEqual(limited.map(() => '1'));
    expect(new Set(at().map((request) => request.headers['webhook-id']))).toEqual(new Set(limited.map((event) => event.message_id)));
    await dispatcher.stop();
    await receiver.close();
  }, 60_000);

  it("tells the operator's callbacks when a circuit opens and closes and a delivery finally fails, never about their own failures", async () => {
    const account = 'watched';
    let down = true;
    const customer = await startReceiver(() => ({ status: down ? 503 : 200 }));
    const operator = await startReceiver((request) => (request.path === '/broken-operator' ? { status: 500 } : { status: 200 }));
    const dispatcher = await startTestDispatcher(harness, { circuit: { threshold: 3, cooldownMs: 300 } });
    const events = ['callback.circuit_opened', 'callback.circuit_closed', 'delivery.failed', 'dead_letter.added', 'callback.disabled'];
    const opState = (path: string): Partial<CallbackState> & Pick<CallbackState, 'account' | 'url'> => ({
      account: 'admin',
      url: `${operator.url}${path}`,
      message_type: 'delivery.failed',
      message_types: events,
    });
    await putCallback(harness, opState('/ops'));
    // An operator endpoint that always fails: its own failures must not raise events about it.
    await putCallback(harness, opState('/broken-operator'));
    const { state } = await putCallback(harness, { account, url: `${customer.url}/hook` });
    const event = await publishEvent(harness, account, 'orderEvent');
    // At least once: a repeat of one event (the same message_id) counts once.
    const received = (type: string) => {
      const bodies = operator.requests
        .filter((request) => request.path === '/ops')
        .map((request) => JSON.parse(request.body.toString()) as { message_id: string; message_type: string; data: unknown })
        .filter((body) => body.message_type === type);
      return bodies.filter((body, index) => bodies.findIndex((other) => other.message_id === body.message_id) === index);
    };
    await waitFor(() => received('delivery.failed').length === 1, { timeoutMs: 15_000, label: 'delivery.failed at the operator' });
    const failed = OperationalEventData.parse(received('delivery.failed')[0]!.data);
    expect(failed).toMatchObject({
      account,
      callback_id: state.id,
      url: `${customer.url}/hook`,
      message_type: 'orderEvent',
      last_status_code: 503,
      last_error: 'HTTP 503',
      attempts: 3,
      message_link: `/${account}/api/v1/messages/${event.message_id}`,
    });
    await waitFor(() => received('callback.circuit_opened').length === 1, { timeoutMs: 15_000, label: 'circuit_opened at the operator' });
    expect(OperationalEventData.parse(received('callback.circuit_opened')[0]!.data)).toMatchObject({ account, callback_id: state.id, attempts: 3, circuit_closes_at: expect.any(String) });
    down = false;
    await publishEvent(harness, account, 'orderEvent');
    await waitFor(() => received('callback.circuit_closed').length === 1, { timeoutMs: 15_000, label: 'circuit_closed at the operator' });
    // The broken operator endpoint failed its deliveries too; none of that came back as an event about it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const aboutOperators = operator.requests.map((request) => JSON.parse(request.body.toString()) as { data: { account: string } }).filter((body) => body.data.account === 'admin');
    expect(aboutOperators).toEqual([]);
    const stored = await harness.jsm.streams.getMessage(harness.names.streams.events, { last_by_subj: harness.names.eventSubject('admin', 'delivery.failed') });
    expect(EventRecord.parse(stored!.json())).toMatchObject({ account: 'admin', message_type: 'delivery.failed' });
    await dispatcher.stop();
    await customer.close();
    await operator.close();
  }, 60_000);
});
