// Holds, circuits, the long-failure disable and per-callback isolation, against real NATS JetStream and local receivers.
import type { DeliveryHeldRecord } from '@hookmesh/contracts';
import { waitFor } from '@hookmesh/testing';
import { RETRY_JITTER } from './domain/retry-schedule';
import {
  attemptsOf,
  auditOf,
  captureLog,
  controlOf,
  deleteHold,
  publishEvent,
  putCallback,
  putHold,
  startNatsHarness,
  startReceiver,
  startTestDispatcher,
  type NatsHarness,
  type Receiver,
} from './test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('flow control', () => {
  const receivers: Receiver[] = [];
  const harnesses: NatsHarness[] = [];
  const stops: Array<() => Promise<void>> = [];

  async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  }
  async function harness(label: string): Promise<NatsHarness> {
    const started = await startNatsHarness(label);
    harnesses.push(started);
    return started;
  }
  const heldRecords = async (h: NatsHarness, account: string) =>
    (await auditOf(h, account)).filter((record): record is DeliveryHeldRecord => record.kind === 'delivery_held');

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await Promise.all(receivers.map((r) => r.close()));
    await Promise.all(harnesses.map((h) => h.close()));
  });

  describe('holds', () => {
    let h: NatsHarness;
    beforeAll(async () => {
      h = await harness('holds');
      const dispatcher = await startTestDispatcher(h, { delivery: { holdRecheckMs: 100 } });
      stops.push(() => dispatcher.stop());
    });

    it('holds deliveries of a held type without attempting them, announces each once, and delivers all after the release', async () => {
      const endpoint = await receiver();
      await putCallback(h, { account: 'held', url: `${endpoint.url}/orders` });
      await putHold(h, 'held', 'orderEvent');
      for (let n = 0; n < 3; n += 1) await publishEvent(h, 'held');

      await waitFor(async () => (await heldRecords(h, 'held')).length === 3, { label: 'three held records' });
      // Several re-checks pass (100 ms each) without a request, an attempt, or another held record.
      await sleep(600);
      expect(endpoint.requests).toHaveLength(0);
      expect(await attemptsOf(h, 'held')).toHaveLength(0);
      const held = await heldRecords(h, 'held');
      expect(held).toHaveLength(3);
      expect(held.every((record) => record.reason === 'hold' && record.attempt === 1)).toBe(true);

      const released = Date.now();
      await deleteHold(h, 'held', 'orderEvent');
      await waitFor(() => endpoint.requests.length === 3, { timeoutMs: 3_000, label: 'held deliveries flow' });
      expect(Date.now() - released).toBeLessThan(2_000);
      expect(endpoint.requests.map((r) => r.headers['x-hookmesh-attempt'])).toEqual(['1', '1', '1']);
      await waitFor(async () => (await attemptsOf(h, 'held')).length === 3, { label: 'three attempt records' });
      expect((await attemptsOf(h, 'held')).every((a) => a.outcome === 'delivered' && a.attempt === 1)).toBe(true);
    });

    it('lets held deliveries flow when the hold expires', async () => {
      const endpoint = await receiver();
      await putCallback(h, { account: 'expiring', url: `${endpoint.url}/orders` });
      const expiresAt = new Date(Date.now() + 800);
      await putHold(h, 'expiring', 'orderEvent', expiresAt);
      await publishEvent(h, 'expiring');
      await waitFor(async () => (await heldRecords(h, 'expiring')).length === 1, { label: 'held record' });
      expect(endpoint.requests).toHaveLength(0);
      await waitFor(() => endpoint.requests.length === 1, { timeoutMs: 3_000, label: 'delivery after expiry' });
      expect(endpoint.requests[0]!.at).toBeGreaterThanOrEqual(expiresAt.getTime() - 50);
    });
  });

  describe('waiting lane', () => {
    it('keeps delivering other callbacks while more tasks wait on a held type than DELIVERIES may have un-acked', async () => {
      const h = await harness('waitlane');
      // Three un-acked tasks at most on DELIVERIES: twenty held ones nak'ed there would have stalled it for everyone.
      const dispatcher = await startTestDispatcher(h, { maxAckPending: 3, delivery: { holdRecheckMs: 100 } });
      stops.push(() => dispatcher.stop());
      const endpoint = await receiver();
      await putCallback(h, { account: 'paused', url: `${endpoint.url}/paused` });
      await putCallback(h, { account: 'flowing', url: `${endpoint.url}/flowing` });
      await putHold(h, 'paused', 'orderEvent');
      for (let n = 0; n < 20; n += 1) await publishEvent(h, 'paused');
      await waitFor(async () => (await heldRecords(h, 'paused')).length === 20, { label: 'twenty held records' });

      for (let n = 0; n < 5; n += 1) await publishEvent(h, 'flowing');
      await waitFor(() => endpoint.requests.filter((r) => r.path === '/flowing').length === 5, { timeoutMs: 5_000, label: 'the other account delivered' });
      expect(endpoint.requests.filter((r) => r.path === '/paused')).toHaveLength(0);
      const waiting = await h.jsm.consumers.info(h.names.streams.waiting, h.names.consumers.dispatcherWaiting);
      expect(waiting.num_ack_pending + waiting.num_pending).toBe(20);
      // The fan-out stored the held tasks on WAITING straight away: none of them ever took a place on DELIVERIES (one
      // that had would have been moved to WAITING from there). The other account's five may have: beyond its share of
      // the fan-out while this one has work, a delivery is stored.
      const movedToWaiting = (await dispatcher.registry.getSingleMetric('hookmesh_delivery_moved_to_waiting_total')?.get())?.values[0]?.value ?? 0;
      expect(movedToWaiting).toBe(0);
      expect((await h.jsm.streams.info(h.names.streams.deliveries)).state.last_seq).toBeLessThanOrEqual(5);

      await deleteHold(h, 'paused', 'orderEvent');
      await waitFor(() => endpoint.requests.filter((r) => r.path === '/paused').length === 20, { timeoutMs: 10_000, label: 'held tasks delivered after the release' });
      await waitFor(async () => (await attemptsOf(h, 'paused')).length === 20, { label: 'twenty attempt records' });
      expect(new Set((await attemptsOf(h, 'paused')).map((attempt) => attempt.delivery_id)).size).toBe(20);
    });

    it('stores a scheduled retry on WAITING, where it waits, and attempts it from there when due', async () => {
      const h = await harness('waitretry');
      const dispatcher = await startTestDispatcher(h, { delivery: { schedule: [0, 300] } });
      stops.push(() => dispatcher.stop());
      const endpoint = await receiver((_request, index) => ({ status: index === 0 ? 503 : 200 }));
      await putCallback(h, { account: 'retrying', url: `${endpoint.url}/hook` });
      await publishEvent(h, 'retrying');
      await waitFor(() => endpoint.requests.length === 2, { timeoutMs: 5_000, label: 'attempt and retry' });
      // 300 ms with the schedule's jitter is 240 ms at the least, counted from the first answer, after its arrival.
      expect(endpoint.requests[1]!.at - endpoint.requests[0]!.at).toBeGreaterThanOrEqual(300 * (1 - RETRY_JITTER));
      // The first attempt went out from the fan-out (no task on DELIVERIES); its retry waited on WAITING, one message.
      expect((await h.jsm.streams.info(h.names.streams.deliveries)).state.last_seq).toBe(0);
      expect((await h.jsm.streams.info(h.names.streams.waiting)).state.last_seq).toBe(1);
      await waitFor(async () => (await attemptsOf(h, 'retrying')).map((a) => a.outcome).join() === 'retrying,delivered', { label: 'both attempts recorded' });
    });
  });

  describe('circuit', () => {
    it('opens after consecutive failures, waits out the cool-down without counting attempts, then a probe closes it', async () => {
      const h = await harness('circuit');
      const dispatcher = await startTestDispatcher(h, {
        delivery: { schedule: [0, 10, 10, 10] },
        circuit: { threshold: 2, cooldownMs: 700, disableAfterMs: 86_400_000 },
      });
      stops.push(() => dispatcher.stop());
      const endpoint = await receiver((_request, index) => (index < 2 ? { status: 500 } : { status: 200 }));
      await putCallback(h, { account: 'tripped', url: `${endpoint.url}/orders` });
      await publishEvent(h, 'tripped');

      await waitFor(() => endpoint.requests.length === 3, { timeoutMs: 5_000, label: 'probe after the cool-down' });
      const gap = endpoint.requests[2]!.at - endpoint.requests[1]!.at;
      expect(gap).toBeGreaterThanOrEqual(600);
      const attempts = await waitFor(async () => {
        const found = await attemptsOf(h, 'tripped');
        return found.length === 3 ? found : undefined;
      }, { label: 'three attempts' });
      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'retrying'],
        [2, 'retrying'],
        [3, 'delivered'],
      ]);
      const held = await heldRecords(h, 'tripped');
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ reason: 'circuit_open', attempt: 3 });
    });

    it('disables a callback after an unbroken failure run, logs it for the operator, and settles what is pending', async () => {
      const h = await harness('disable');
      const capture = captureLog();
      const dispatcher = await startTestDispatcher(h, {
        log: capture.log,
        delivery: { schedule: [0, 150, 150, 150, 150, 150, 150, 150] },
        circuit: { threshold: 1_000, cooldownMs: 60_000, disableAfterMs: 300 },
      });
      stops.push(() => dispatcher.stop());
      const endpoint = await receiver(() => ({ status: 500 }));
      const { state } = await putCallback(h, { account: 'dying', url: `${endpoint.url}/orders` });
      await publishEvent(h, 'dying');

      const commands = await waitFor(async () => {
        const found = await controlOf(h, 'dying');
        return found.length > 0 ? found : undefined;
      }, { timeoutMs: 5_000, label: 'disable command' });
      expect(commands[0]).toMatchObject({ command: 'disable_callback', account: 'dying', callback_id: state.id });
      expect(commands[0]!.reason).toMatch(/^every attempt failed since /);
      const warning = capture.lines().find((line) => line['msg'] === 'disabling callback');
      expect(warning).toMatchObject({ level: 40, callback_id: state.id, account: 'dying' });

      // The retry scheduled by the last failed attempt is settled as failed (recoverable), not sent.
      const attempts = await waitFor(async () => {
        const found = await attemptsOf(h, 'dying');
        return found.at(-1)?.error_message === 'callback disabled; not attempted' ? found : undefined;
      }, { label: 'pending retry settled' });
      expect(attempts.at(-1)).toMatchObject({ outcome: 'failed', status_code: null });
      expect(endpoint.requests.length).toBe(attempts.length - 1);
      expect(attempts.length - 1).toBeGreaterThanOrEqual(3);
    });
  });

  describe('isolation', () => {
    it('keeps delivering to a healthy callback at full speed while another hangs to its timeout', async () => {
      const h = await harness('isolation');
      const dispatcher = await startTestDispatcher(h, {
        delivery: { schedule: [0, 10_000] },
        concurrency: { overall: 6, perCallback: 2 },
      });
      stops.push(() => dispatcher.stop());
      const hanging = await receiver(() => 'hang');
      const healthy = await receiver();
      await putCallback(h, { account: 'mixed', url: `${hanging.url}/stuck`, timeout_ms: 2_000 });
      await putCallback(h, { account: 'mixed', url: `${healthy.url}/fine` });

      const started = Date.now();
      for (let n = 0; n < 20; n += 1) await publishEvent(h, 'mixed');
      await waitFor(() => healthy.requests.length === 20, { timeoutMs: 5_000, label: 'healthy endpoint got every event' });
      // All 20 arrived while the hanging endpoint still held its requests open (its timeout is 2 s).
      expect(Date.now() - started).toBeLessThan(2_000);
      // The hanging endpoint holds no more than its per-callback share of the six overall slots.
      expect(hanging.requests).toHaveLength(2);
    });
  });
});
