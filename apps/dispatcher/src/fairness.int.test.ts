// Fairness across accounts: one account's flood of deliveries to slow endpoints must not delay another account's
// fresh deliveries, against real NATS JetStream and local receivers, with the production concurrency settings.
import { waitFor } from '@hookmesh/testing';
import { publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('fairness across accounts', () => {
  let h: NatsHarness;
  const receivers: Receiver[] = [];

  afterAll(async () => {
    await h?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });

  it("keeps another account's delivery p95 under twice its quiet value while one account floods slow endpoints", async () => {
    h = await startNatsHarness('fairness');
    const dispatcher = await startTestDispatcher(h, {
      // A long recheck (the default is 500 ms) makes an unfair line plain: a backlog that waits in line in front of
      // other accounts' tasks holds the workers up to a recheck each. Tasks that are treated fairly never wait for one.
      delivery: { busyRecheckMs: 2_000 },
      concurrency: { overall: 100, perCallback: 10, fanout: 32, connectionsPerOrigin: 20, accountShare: 0.5 },
    });
    const slow = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 250 }));
    const fast = await startReceiver();
    receivers.push(slow, fast);
    for (let n = 0; n < 5; n += 1) await putCallback(h, { account: 'flooder', url: `${slow.url}/flood-${n}` });
    await putCallback(h, { account: 'steady', url: `${fast.url}/steady` });

    // The other account: 15 events at once every 500 ms, more than its callback's 10 slots, so a third of them are
    // stored as tasks on DELIVERIES and wait there for a slot (where one account's backlog would be in their way).
    const sentAt = new Map<string, number>();
    async function steadyFor(ms: number): Promise<string[]> {
      const ids: string[] = [];
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const sent = Date.now();
        const burst = await Promise.all(Array.from({ length: 15 }, () => publishEvent(h, 'steady')));
        for (const event of burst) {
          ids.push(event.message_id);
          sentAt.set(event.message_id, sent);
        }
        await sleep(500);
      }
      return ids;
    }
    function latencies(ids: string[]): number[] {
      const arrived = new Map(fast.requests.map((request) => [String(request.headers['webhook-id']), request.at]));
      return ids.map((id) => arrived.get(id)! - sentAt.get(id)!);
    }

    // One burst first, so its callback's attempt time is known here (a fresh callback's first line is a guess).
    const warmUp = await steadyFor(1);
    await waitFor(() => fast.requests.length === warmUp.length, { timeoutMs: 10_000, label: 'warm-up deliveries arrived' });
    const quietIds = await steadyFor(3_000);
    await waitFor(() => fast.requests.length === warmUp.length + quietIds.length, { timeoutMs: 10_000, label: 'quiet deliveries arrived' });
    const quietP95 = percentile(latencies(quietIds), 95);
    const parkedCount = async () => (await dispatcher.registry.getSingleMetric('hookmesh_delivery_parked_total')?.get())?.values[0]?.value ?? 0;
    // Alone, an account's tasks wait on DELIVERIES however busy its callback: nobody is behind them.
    const parkedWhenAlone = await parkedCount();

    // The flood: 5 events every 100 ms (50/s), each to 5 slow callbacks (250 ms an answer, 20 connections to their
    // origin, so 80/s at most): 250 deliveries/s, which the dispatcher takes in, so its backlog grows all along. Its
    // endpoints are slow rather than its rate high, so the test's own CPU (one process runs the dispatcher, both
    // receivers and the producers) does not decide the result.
    let flood = true;
    const flooding = (async () => {
      while (flood) {
        const tick = Date.now();
        await Promise.all(Array.from({ length: 5 }, () => publishEvent(h, 'flooder')));
        await sleep(Math.max(0, 100 - (Date.now() - tick)));
      }
    })();
    await sleep(200);
    const floodIds = await steadyFor(5_000);
    flood = false;
    await flooding;
    await waitFor(() => fast.requests.length === warmUp.length + quietIds.length + floodIds.length, { timeoutMs: 30_000, label: 'flood-time deliveries arrived' });
    const floodP95 = percentile(latencies(floodIds), 95);
    const parked = await parkedCount();
    await dispatcher.stop();
    console.log(`fairness: steady p95 ${quietP95} ms quiet, ${floodP95} ms during the flood; flood attempts ${slow.requests.length}, parked ${parked}`);

    // Below 250 ms a p95 here measures the test machine's scheduling, not the dispatcher: this process runs everything,
    // beside other test suites (on a loaded machine, load average 5: 86 → 221 and 124 → 253 ms; with the flood of 500
    // deliveries/s to 50 ms endpoints this test had before, 89 → 362 failed once in CI). The unfair line it guards
    // against costs seconds: with parking and the account share switched off, 128 → 4,672 ms on the same machine.
    // The benchmark measures the ratio in processes of its own.
    expect(floodP95).toBeLessThan(2 * Math.max(quietP95, 250));
    // The flood really was one: its endpoints were kept busy (about 420 answers fit in its 5.2 s) and most of its
    // deliveries (about 1,300) had to wait for their turn.
    expect(slow.requests.length).toBeGreaterThan(200);
    expect(parked).toBeGreaterThan(600);
    expect(parkedWhenAlone).toBe(0);
  }, 90_000);

  it("keeps part of the fan-out free for other accounts: one account's slow inline attempts cannot hold every fan-out worker", async () => {
    const shared = await startNatsHarness('fairness-fanout-share');
    try {
      // Four fan-out workers, half of them an account's share while another account has work.
      const dispatcher = await startTestDispatcher(shared, {
        delivery: { busyRecheckMs: 500 },
        concurrency: { overall: 32, perCallback: 10, fanout: 4, connectionsPerOrigin: 20, accountShare: 0.5 },
      });
      const slow = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 800 }));
      const fast = await startReceiver();
      receivers.push(slow, fast);
      await putCallback(shared, { account: 'hog', url: `${slow.url}/hog` });
      await putCallback(shared, { account: 'other', url: `${fast.url}/other` });
      const stored = async () => (await dispatcher.registry.getSingleMetric('hookmesh_fanout_tasks_published_total')?.get())?.values[0]?.value ?? 0;
      await publishEvent(shared, 'other');
      await waitFor(() => fast.requests.length === 1, { timeoutMs: 10_000, label: 'first delivery of the other account' });

      // Six events at once to an 800 ms endpoint with ten free slots: without a share, each would hold a fan-out worker
      // for its attempt, all four of them, and the other account's next event would wait for one.
      const hogEvents = await Promise.all(Array.from({ length: 6 }, () => publishEvent(shared, 'hog')));
      await sleep(150);
      const sent = Date.now();
      await publishEvent(shared, 'other');
      await waitFor(() => fast.requests.length === 2, { timeoutMs: 10_000, label: 'the other account delivered while the hog waits' });
      const otherLatency = fast.requests[1]!.at - sent;
      const storedForHog = await stored();
      await waitFor(() => slow.requests.length === hogEvents.length, { timeoutMs: 20_000, label: "the hog's deliveries arrived" });
      await dispatcher.stop();
      console.log(`fairness: the other account's event took ${otherLatency} ms beside the hog; ${storedForHog} of the hog's stored`);

      // With every worker held the other account's event waited about 650 ms or more (9–13 ms with three busy loops
      // beside this process).
      expect(otherLatency).toBeLessThan(400);
      // Two events attempted inline (the share), the other four stored as tasks.
      expect(storedForHog).toBeGreaterThanOrEqual(4);
    } finally {
      await shared.close();
    }
  }, 60_000);

  it('lets an account alone keep its backlog in EVENTS: deliveries to its busy fast callback go straight from the fan-out, not through a stored task', async () => {
    const alone = await startNatsHarness('fairness-inline');
    try {
      const dispatcher = await startTestDispatcher(alone, {
        delivery: { busyRecheckMs: 500 },
        concurrency: { overall: 100, perCallback: 10, fanout: 32, connectionsPerOrigin: 20, accountShare: 0.5 },
      });
      const fast = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 5 }));
      receivers.push(fast);
      await putCallback(alone, { account: 'solo', url: `${fast.url}/solo` });
      const stored = async () => (await dispatcher.registry.getSingleMetric('hookmesh_fanout_tasks_published_total')?.get())?.values[0]?.value ?? 0;
      await Promise.all(Array.from({ length: 10 }, () => publishEvent(alone, 'solo')));
      await waitFor(() => fast.requests.length === 10, { timeoutMs: 10_000, label: 'first round arrived' });
      const storedBefore = await stored();
      // 300 at once: 32 fan-outs at a time to 10 slots, so two in three find the callback busy.
      const events = await Promise.all(Array.from({ length: 300 }, () => publishEvent(alone, 'solo')));
      await waitFor(() => fast.requests.length === 310, { timeoutMs: 30_000, label: 'the backlog arrived' });
      const storedForBacklog = (await stored()) - storedBefore;
      await dispatcher.stop();

      // Each one would cost a DELIVERIES store, consume and ack more (when the fan-out never waited in line: 290 of these 300 were stored).
      expect(storedForBacklog).toBeLessThan(15);
      const arrived = new Set(fast.requests.map((request) => String(request.headers['webhook-id'])));
      expect(events.every((event) => arrived.has(event.message_id))).toBe(true);
    } finally {
      await alone.close();
    }
  }, 60_000);

  it('brings a task of DELIVERIES turned away with its turn near back about at that turn, not after a whole recheck', async () => {
    const shared = await startNatsHarness('fairness-near-turn');
    try {
      // A recheck of 6 s, so a task that paid one could not hide in the numbers below.
      const dispatcher = await startTestDispatcher(shared, {
        delivery: { busyRecheckMs: 6_000 },
        concurrency: { overall: 100, perCallback: 10, fanout: 32, connectionsPerOrigin: 20, accountShare: 0.5 },
      });
      const steady = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 100 }));
      const other = await startReceiver();
      receivers.push(steady, other);
      await putCallback(shared, { account: 'steady', url: `${steady.url}/steady` });
      await putCallback(shared, { account: 'other', url: `${other.url}/other` });
      // A first round, so the callback's attempt time (about 100 ms) is known and its turns are estimated.
      await Promise.all(Array.from({ length: 10 }, () => publishEvent(shared, 'steady')));
      await waitFor(() => steady.requests.length === 10, { timeoutMs: 10_000, label: 'first round arrived' });

      // Another account has work all along, so the steady account's line is shared fairly: its tasks wait in line
      // only briefly: of 14 events to its 10 slots of 100 ms, the last four have their turns near (about 40 ms:
      // inside one attempt), so each is stored on DELIVERIES, and turned away from there while the slots are busy.
      let busy = true;
      const otherWork = (async () => {
        while (busy) {
          await publishEvent(shared, 'other');
          await sleep(100);
        }
      })();
      await sleep(300);
      const sent = Date.now();
      const events = await Promise.all(Array.from({ length: 14 }, () => publishEvent(shared, 'steady')));
      await waitFor(() => steady.requests.length === 24, { timeoutMs: 20_000, label: 'the burst arrived' });
      const lastArrival = Math.max(...steady.requests.slice(10).map((request) => request.at)) - sent;
      busy = false;
      await otherWork;
      const rechecked = (await dispatcher.registry.getSingleMetric('hookmesh_delivery_turned_away_total')?.get())?.values.find((value) => value.labels.lane === 'due')?.value ?? 0;
      await dispatcher.stop();
      console.log(`fairness: 14 events to ten 100 ms slots beside another account: the last arrived after ${lastArrival} ms; ${rechecked} turned away on DELIVERIES`);

      // Some were turned away on DELIVERIES (the path this proves), and none paid a 3-9 s recheck for it: two rounds
      // of 100 ms are the line (paying a whole recheck, the last arrived after 3 s or more).
      expect(rechecked).toBeGreaterThan(0);
      expect(lastArrival).toBeLessThan(2_000);
      const arrived = new Set(steady.requests.map((request) => String(request.headers['webhook-id'])));
      expect(events.every((event) => arrived.has(event.message_id))).toBe(true);
    } finally {
      await shared.close();
    }
  }, 60_000);

  it("parks nothing for an account alone, however long its busy callback's line", async () => {
    const alone = await startNatsHarness('fairness-alone');
    try {
      const dispatcher = await startTestDispatcher(alone, {
        delivery: { busyRecheckMs: 500 },
        concurrency: { overall: 100, perCallback: 10, fanout: 32, connectionsPerOrigin: 20, accountShare: 0.5 },
      });
      const slow = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 50 }));
      receivers.push(slow);
      await putCallback(alone, { account: 'solo', url: `${slow.url}/solo` });
      // A first round, so the callback's attempt time is known and its turns are estimated, not guessed.
      await Promise.all(Array.from({ length: 10 }, () => publishEvent(alone, 'solo')));
      await waitFor(() => slow.requests.length === 10, { timeoutMs: 10_000, label: 'first round arrived' });
      // 100 at once to 10 slots of 50 ms each: the last in line is about 450 ms away, many attempts beyond the window
      // that would park it if another account were active.
      const events = await Promise.all(Array.from({ length: 100 }, () => publishEvent(alone, 'solo')));
      await waitFor(() => slow.requests.length === 110, { timeoutMs: 30_000, label: 'the line arrived' });
      const parked = (await dispatcher.registry.getSingleMetric('hookmesh_delivery_parked_total')?.get())?.values[0]?.value ?? 0;
      await dispatcher.stop();

      expect(parked).toBe(0);
      const arrived = new Set(slow.requests.map((request) => String(request.headers['webhook-id'])));
      expect(events.every((event) => arrived.has(event.message_id))).toBe(true);
    } finally {
      await alone.close();
    }
  }, 60_000);
});
