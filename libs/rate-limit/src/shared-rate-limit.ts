// Token buckets shared by every replica of a service over core NATS. Each replica decides alone from its own buckets,
// so a request never waits on NATS; every sync interval it tells the others what it admitted, per key, and takes what
// they admitted off its own buckets. All replicas' buckets so converge on one budget per key: the sustained rate holds
// across replicas whatever the load balancer does, and at most one sync interval of the others' admissions (plus one
// burst per replica after a quiet spell) can slip past it. Without NATS each replica keeps limiting on its own.
import { createTokenBuckets, type RateLimiter, type TokenBucketOptions } from '@hookmesh/http';
import type { NatsConnection } from '@hookmesh/messaging';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

export interface SharedRateLimiterOptions extends TokenBucketOptions {
  nc: NatsConnection;
  /** Core NATS subject the replicas of one limiter share (natsNames().rateLimitSubject(name)). */
  subject: string;
  /** How often admissions are published; default 100 ms. */
  syncIntervalMs?: number;
  log: Logger;
}

export interface SharedRateLimiter extends RateLimiter {
  /** Publishes what this replica admitted since the last sync (the interval does this on its own). */
  flush(): Promise<void>;
  /** Publishes the last admissions and stops listening. */
  close(): Promise<void>;
}

/** Spends of one replica since its last report: keys with the tokens admitted for them. */
interface SpendReport {
  from: string;
  spent: Array<[string, number]>;
}

// Keeps each report far below the NATS max payload (1 MB by default) even with long keys.
const KEYS_PER_REPORT = 1_000;

function parseReport(data: Uint8Array): SpendReport | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as Partial<SpendReport>;
    if (typeof value.from !== 'string' || !Array.isArray(value.spent)) return undefined;
    const spent = value.spent.filter((entry): entry is [string, number] => Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[1] > 0);
    return { from: value.from, spent };
  } catch {
    return undefined;
  }
}

/** Creates token buckets kept in step with every other replica that uses the same subject. */
export function createSharedRateLimiter(options: SharedRateLimiterOptions): SharedRateLimiter {
  const { nc, subject, syncIntervalMs = 100, log } = options;
  const buckets = createTokenBuckets(options);
  const self = randomUUID();
  let pending = new Map<string, number>();

  const subscription = nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) {
        log.warn({ err: error, subject }, 'rate-limit sync subscription failed; limiting on this replica alone');
        return;
      }
      const report = parseReport(msg.data);
      if (report === undefined || report.from === self) return;
      for (const [key, tokens] of report.spent) buckets.spend(key, tokens);
    },
  });

  function publishPending(): void {
    if (pending.size === 0) return;
    const entries = [...pending];
    pending = new Map();
    try {
      for (let start = 0; start < entries.length; start += KEYS_PER_REPORT) {
        const report: SpendReport = { from: self, spent: entries.slice(start, start + KEYS_PER_REPORT) };
        nc.publish(subject, JSON.stringify(report));
      }
    } catch (error) {
      // A closed connection: the other replicas miss these spends, and each keeps limiting on its own.
      log.debug({ err: error, subject }, 'rate-limit spends not published');
    }
  }

  const timer = setInterval(publishPending, syncIntervalMs);
  timer.unref();

  return {
    take(key, cost = 1) {
      const result = buckets.take(key, cost);
      if (result.allowed) pending.set(key, (pending.get(key) ?? 0) + cost);
      return result;
    },
    check: (key, cost = 1) => buckets.check(key, cost),
    async flush() {
      publishPending();
      if (!nc.isClosed()) await nc.flush().catch(() => undefined);
    },
    async close() {
      clearInterval(timer);
      publishPending();
      if (!nc.isClosed()) {
        subscription.unsubscribe();
        await nc.flush().catch(() => undefined);
      }
    },
  };
}
