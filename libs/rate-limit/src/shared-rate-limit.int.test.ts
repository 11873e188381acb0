// Two limiters on one NATS, as two replicas of a service: what one admits, the other counts against the same account.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connectNats, type NatsConnection } from '@hookmesh/messaging';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import { createSharedRateLimiter, type SharedRateLimiter } from './shared-rate-limit';

const log = pino({ level: 'silent' });

describe('createSharedRateLimiter', () => {
  let nats: TestNats;
  let connections: NatsConnection[] = [];
  let limiters: SharedRateLimiter[] = [];

  beforeAll(async () => {
    nats = await createTestNats('sharedlimit');
  });
  afterEach(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await Promise.all(connections.map((nc) => nc.close()));
    limiters = [];
    connections = [];
  });
  afterAll(async () => {
    await nats.cleanup();
  });

  async function replica(options: { ratePerSecond: number; burst: number; now?: () => number; subject?: string }): Promise<SharedRateLimiter> {
    const nc = await connectNats({ servers: nats.url, name: 'shared-limit-test', log });
    connections.push(nc);
    const limiter = createSharedRateLimiter({ nc, subject: options.subject ?? `${nats.prefix}hookmesh.ratelimit.test`, ratePerSecond: options.ratePerSecond, burst: options.burst, syncIntervalMs: 20, log, ...(options.now ? { now: options.now } : {}) });
    limiters.push(limiter);
    return limiter;
  }

  it("refuses on one replica what the account already spent on the other, and serves another account there", async () => {
    const now = (): number => 0;
    const a = await replica({ ratePerSecond: 10, burst: 50, now });
    const b = await replica({ ratePerSecond: 10, burst: 50, now });
    expect(a.take('acct:flood', 50).allowed).toBe(true);
    await waitFor(() => !b.take('acct:flood', 1).allowed, { timeoutMs: 2_000, intervalMs: 10, label: 'b sees what a spent' });
    expect(b.take('acct:quiet', 50).allowed).toBe(true);
    expect(a.take('acct:flood', 1)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('holds the sustained rate across two replicas that are both flooded: they admit the rate, not twice it', async () => {
    const a = await replica({ ratePerSecond: 200, burst: 50 });
    const b = await replica({ ratePerSecond: 200, burst: 50 });
    let admitted = 0;
    const started = Date.now();
    while (Date.now() - started < 2_000) {
      for (const limiter of [a, b]) if (limiter.take('acct:flood', 5).allowed) admitted += 5;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seconds = (Date.now() - started) / 1000;
    // One burst per replica and one sync interval of the other's spends may slip through; twice the rate would be 800+.
    expect(admitted).toBeLessThanOrEqual(200 * seconds + 2 * 50 + 200 * 0.1);
    expect(admitted).toBeGreaterThanOrEqual(200 * seconds * 0.8);
  });

  it('keeps limiters of different subjects apart (another service, another installation)', async () => {
    const a = await replica({ ratePerSecond: 1, burst: 5, now: () => 0 });
    const other = await replica({ ratePerSecond: 1, burst: 5, now: () => 0, subject: `${nats.prefix}hookmesh.ratelimit.other` });
    expect(a.take('acct:x', 5).allowed).toBe(true);
    await a.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.take('acct:x', 5).allowed).toBe(true);
  });

  it('limits on its own while NATS is away, and never throws into a request', async () => {
    const a = await replica({ ratePerSecond: 1, burst: 2, now: () => 0 });
    await connections[0]!.close();
    expect(a.take('acct:y').allowed).toBe(true);
    expect(a.take('acct:y').allowed).toBe(true);
    expect(a.take('acct:y').allowed).toBe(false);
    await expect(a.flush()).resolves.toBeUndefined();
  });
});
