// The shared rate limiter against a real KV bucket: exact counts per clock window, and the window's edge kept free.
import { openKv } from '@hookmesh/messaging';
import pino from 'pino';
import { startNatsHarness, type NatsHarness } from '../test-support';
import { createRateLimits, edgeGuardMs, wireGuardMs } from './rate-limits';

describe('per-callback rate limits', () => {
  let harness: NatsHarness;

  beforeAll(async () => {
    harness = await startNatsHarness('rates');
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function limiterAt(clock: { now: number }) {
    const rates = await openKv(harness.js, harness.names.rates.bucket);
    const throttles = await openKv(harness.js, harness.names.throttles.bucket);
    return createRateLimits({ rates, throttles, names: harness.names, log: pino({ level: 'silent' }), now: () => clock.now, random: () => 0 });
  }

  it('admits the limit per clock second across two replicas, and nothing in the last quarter second of a window', async () => {
    const window = 1_800_000_000_000;
    const clock = { now: window + 100 };
    const replicas = [await limiterAt(clock), await limiterAt(clock)];
    const callback = { account: 'limits', id: 'cb-edge', rate_limit: { per_second: 10 } };
    const verdicts = [];
    for (let n = 0; n < 14; n += 1) verdicts.push(await replicas[n % 2]!.admit(callback));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    // The first one turned away waits for the next window (no spread: random() is 0 here).
    expect(verdicts.find((verdict) => !verdict.allowed)).toEqual({ allowed: false, retryInMs: 900 });

    // A fresh callback late in a window: turned away until the next one begins, though the window is empty.
    clock.now = window + 1_000 - edgeGuardMs(1_000) + 10;
    const late = { ...callback, id: 'cb-late' };
    expect(await replicas[0]!.admit(late)).toEqual({ allowed: false, retryInMs: edgeGuardMs(1_000) - 10 });
    clock.now = window + 1_000;
    // Admitted, to be on the wire shortly before its window ends.
    expect(await replicas[1]!.admit(late)).toEqual({ allowed: true, window: { startBy: window + 2_000 - wireGuardMs(1_000), endsAt: window + 2_000 } });
    expect(wireGuardMs(1_000)).toBe(125);
  });

  it('turns an attempt away when reserving its place ran into the closing moments of the window', async () => {
    const window = 1_800_000_000_000;
    const readings = [window + 600, window + 800];
    const rates = await openKv(harness.js, harness.names.rates.bucket);
    const throttles = await openKv(harness.js, harness.names.throttles.bucket);
    const limiter = createRateLimits({ rates, throttles, names: harness.names, log: pino({ level: 'silent' }), now: () => readings.shift() ?? window + 800, random: () => 0 });
    // Open when asked, closing once the bucket has answered: it waits for the next window instead.
    expect(await limiter.admit({ account: 'limits', id: 'cb-slow', rate_limit: { per_second: 10 } })).toEqual({ allowed: false, retryInMs: 200 });
    expect(readings).toHaveLength(0);
  });

  it('lets a per-minute limit use all but the last quarter second of its minute', async () => {
    const minute = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
    const clock = { now: minute + 59_000 };
    const limiter = await limiterAt(clock);
    expect(await limiter.admit({ account: 'limits', id: 'cb-minute', rate_limit: { per_minute: 5 } })).toEqual({ allowed: true, window: { startBy: minute + 60_000 - 125, endsAt: minute + 60_000 } });
    expect(edgeGuardMs(60_000)).toBe(250);
  });
});
