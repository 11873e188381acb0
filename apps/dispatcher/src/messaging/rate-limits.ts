// Per-callback rate limits, shared by every dispatcher replica: attempts are counted per callback and clock window
// (second or minute) in a KV bucket with compare-and-set, so the replicas together never exceed the limit in any one
// window. Each replica reserves a few attempts at a time (a twentieth of the limit) to keep the bucket's write rate
// well below the delivery rate; what it reserved and did not use lapses with its window. A delivery above the limit
// waits for a later window, spread by its place in line so a backlog flows at the limit instead of waking all at once.
// The last quarter second of a window admits nothing, and an admitted attempt that has not gone on the wire shortly
// before its window ends (it waited for a connection its origin's other callbacks held) is not sent but waits for a
// later window, so attempts that are slow to leave still arrive in their own clock second.
import { rateWindowOf, type CallbackState, type NatsNames, type ThrottleRecord } from '@hookmesh/contracts';
import type { KV } from '@hookmesh/messaging';
import type { Logger } from 'pino';

/** Admitted within a limit: the attempt must go on the wire by `startBy` (epoch ms), else it waits for `endsAt`. */
export interface RateWindow {
  startBy: number;
  endsAt: number;
}

export type RateAdmission = { allowed: true; window?: RateWindow } | { allowed: false; retryInMs: number };

export interface RateLimits {
  /** May an attempt to this callback go out now? Always yes without a rate_limit. */
  admit(callback: Pick<CallbackState, 'account' | 'id' | 'rate_limit'>): Promise<RateAdmission>;
}

export interface RateLimitsOptions {
  rates: KV;
  throttles: KV;
  names: NatsNames;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

const CAS_ATTEMPTS = 10;
/** How often one process renews a callback's throttle record while it holds deliveries back. */
const THROTTLE_WRITE_EVERY_MS = 1_000;
/** Windows remembered per process (reservations and places in line); old ones are dropped. */
const WINDOWS_KEPT = 10_000;

interface WindowState {
  /** Attempts reserved in the bucket and not used yet. */
  reserved: number;
  /** Deliveries made to wait in this window: where the next one stands in line. */
  deferred: number;
}

/** Creates the limiter over the rates bucket (counts) and the throttles bucket (what the Callback API shows). */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const { rates, throttles, names, log } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const windows = new Map<string, WindowState>();
  const throttledAt = new Map<string, number>();

  function windowOf(key: string): WindowState {
    let state = windows.get(key);
    if (state === undefined) {
      state = { reserved: 0, deferred: 0 };
      windows.set(key, state);
      if (windows.size > WINDOWS_KEPT) windows.delete(windows.keys().next().value as string);
    }
    return state;
  }

  /** Takes up to `want` attempts of the window from the bucket; how many it got (0 when the window is full). */
  async function reserve(key: string, allowed: number, want: number): Promise<number> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const entry = await rates.get(key);
      const count = entry !== null && entry.operation === 'PUT' ? Number(entry.string()) || 0 : 0;
      const take = Math.min(want, allowed - count);
      if (take <= 0) return 0;
      try {
        if (entry === null) await rates.create(key, String(count + take));
        else await rates.update(key, String(count + take), entry.revision);
        return take;
      } catch {
        // Another replica counted in between: read again.
      }
    }
    throw new Error(`rate window ${key} kept changing under ${CAS_ATTEMPTS} attempts`);
  }

  function noteThrottle(callback: Pick<CallbackState, 'account' | 'id'>, at: number): void {
    const id = `${callback.account}/${callback.id}`;
    if (at - (throttledAt.get(id) ?? 0) < THROTTLE_WRITE_EVERY_MS) return;
    throttledAt.set(id, at);
    if (throttledAt.size > WINDOWS_KEPT) throttledAt.delete(throttledAt.keys().next().value as string);
    const record: ThrottleRecord = { account: callback.account, callback_id: callback.id, at: new Date(at).toISOString() };
    void throttles.put(names.throttles.key(callback.account, callback.id), JSON.stringify(record)).catch((error: unknown) => {
      log.debug({ err: error, callback_id: callback.id }, 'throttle record not written');
    });
  }

  return {
    async admit(callback) {
      if (callback.rate_limit === undefined) return { allowed: true };
      const { windowMs, allowed } = rateWindowOf(callback.rate_limit);
      const at = now();
      const start = Math.floor(at / windowMs) * windowMs;
      const key = names.rates.key(callback.account, callback.id, start);
      const state = windowOf(key);
      // Nothing is admitted in a window's last moments: an attempt admitted there could reach the receiver in the next
      // clock second, on top of that window's own (a fixed window's double burst at its edge).
      const closesAt = start + windowMs - edgeGuardMs(windowMs);
      if (at < closesAt && state.reserved === 0) state.reserved = await reserve(key, allowed, Math.max(1, Math.floor(allowed / 20)));
      // The reservation's round trips may have run into the closing moments (a loaded process): the clock is read again.
      const admittedAt = state.reserved > 0 ? now() : at;
      if (admittedAt < closesAt && state.reserved > 0) {
        state.reserved -= 1;
        return { allowed: true, window: { startBy: start + windowMs - wireGuardMs(windowMs), endsAt: start + windowMs } };
      }
      // Full: the n-th delivery turned away waits for the window that has room for it, plus a little spread.
      const place = state.deferred;
      state.deferred += 1;
      noteThrottle(callback, admittedAt);
      const windowsAhead = Math.floor(place / allowed);
      const retryInMs = Math.max(0, start + windowMs - admittedAt) + windowsAhead * windowMs + Math.floor(random() * Math.min(windowMs / 10, 100));
      return { allowed: false, retryInMs };
    },
  };
}

/**
 * How long before a window ends nothing more is admitted: as long as an attempt may take to reach the receiver under
 * load (a quarter of a one-second window), so each clock second at the receiver holds one window's attempts.
 */
export function edgeGuardMs(windowMs: number): number {
  return Math.min(250, Math.floor(windowMs / 4));
}

/**
 * How long before a window ends an admitted attempt must be on the wire: half the admission guard, room enough for a
 * written request to be read by a busy receiver inside the window.
 */
export function wireGuardMs(windowMs: number): number {
  return Math.floor(edgeGuardMs(windowMs) / 2);
}

/** Bucket settings: counts outlive their window (a minute) with room to spare; throttles say "just now". */
export const RATES_BUCKET_TTL_MS = 3 * 60_000;
export const THROTTLES_BUCKET_TTL_MS = 60_000;
