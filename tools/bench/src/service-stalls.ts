// How long each service's event loop stalled during a phase, and what its garbage collections cost, off its /metrics
// (prom-client's default metrics). The event-loop histogram is reset at every scrape, so a scrape at the start of a
// phase and one at its end give the longest stall within it; the collection counters are differences.
import { scrapeMetrics } from './dispatcher-counters';

/** A service's longest event-loop delay in a phase, and its collections by kind (count, seconds, over 10 ms). */
export type LoopStalls = { lagMaxMs: number; lagP99Ms: number; gc: Record<string, { count: number; seconds: number; over10ms: number }> };

type Scrape = { lagMaxMs: number; lagP99Ms: number; gc: Record<string, { count: number; seconds: number; upTo10ms: number }> };

/** Reads the loop delay gauges and the gc histogram of one exposition; a metric not exposed counts 0. */
export function parseScrape(exposition: string): Scrape {
  const scrape: Scrape = { lagMaxMs: 0, lagP99Ms: 0, gc: {} };
  const gcOf = (kind: string) => (scrape.gc[kind] ??= { count: 0, seconds: 0, upTo10ms: 0 });
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const [, name, labels = '', raw] = match;
    const value = Number(raw);
    const label = (key: string) => new RegExp(`(?:^|,)${key}="([^"]*)"`).exec(labels)?.[1];
    if (name === 'nodejs_eventloop_lag_max_seconds') scrape.lagMaxMs = value * 1000;
    else if (name === 'nodejs_eventloop_lag_p99_seconds') scrape.lagP99Ms = value * 1000;
    else if (name === 'nodejs_gc_duration_seconds_count') gcOf(label('kind') ?? 'unknown').count += value;
    else if (name === 'nodejs_gc_duration_seconds_sum') gcOf(label('kind') ?? 'unknown').seconds += value;
    else if (name === 'nodejs_gc_duration_seconds_bucket' && label('le') === '0.01') gcOf(label('kind') ?? 'unknown').upTo10ms += value;
  }
  return scrape;
}

/** The phase between two scrapes: the second's loop delays (the first reset them), the collections in between. */
export function stallsBetween(before: Scrape, after: Scrape): LoopStalls {
  const gc: LoopStalls['gc'] = {};
  for (const [kind, end] of Object.entries(after.gc)) {
    const start = before.gc[kind] ?? { count: 0, seconds: 0, upTo10ms: 0 };
    const count = end.count - start.count;
    if (count <= 0) continue;
    gc[kind] = { count, seconds: Number((end.seconds - start.seconds).toFixed(3)), over10ms: count - (end.upTo10ms - start.upTo10ms) };
  }
  return { lagMaxMs: Number(after.lagMaxMs.toFixed(1)), lagP99Ms: Number(after.lagP99Ms.toFixed(1)), gc };
}

async function scrape(url: string): Promise<Scrape | null> {
  const exposition = await scrapeMetrics(url);
  return exposition === null ? null : parseScrape(exposition);
}

/** Scrapes every service now; the returned function scrapes them again and reports the phase in between. */
export async function startStallMeter(urls: Record<string, string>): Promise<() => Promise<Record<string, LoopStalls | null>>> {
  const before = Object.fromEntries(await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await scrape(url)] as const)));
  return async () => {
    const after = await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await scrape(url)] as const));
    return Object.fromEntries(after.map(([name, end]) => [name, end === null || before[name] == null ? null : stallsBetween(before[name]!, end)]));
  };
}

/**
 * Several phases' stalls per service as one: the longest loop delay and the highest p99 of any of them, the
 * collections summed (a service unknown in any phase is unknown).
 */
export function mergeStalls(phases: ReadonlyArray<Record<string, LoopStalls | null>>): Record<string, LoopStalls | null> {
  const merged: Record<string, LoopStalls | null> = {};
  for (const phase of phases) {
    for (const [service, stalls] of Object.entries(phase)) {
      const sofar = service in merged ? merged[service]! : { lagMaxMs: 0, lagP99Ms: 0, gc: {} };
      if (sofar === null || stalls === null) {
        merged[service] = null;
        continue;
      }
      const gc: LoopStalls['gc'] = { ...sofar.gc };
      for (const [kind, collections] of Object.entries(stalls.gc)) {
        const before = gc[kind] ?? { count: 0, seconds: 0, over10ms: 0 };
        gc[kind] = { count: before.count + collections.count, seconds: Number((before.seconds + collections.seconds).toFixed(3)), over10ms: before.over10ms + collections.over10ms };
      }
      merged[service] = { lagMaxMs: Math.max(sofar.lagMaxMs, stalls.lagMaxMs), lagP99Ms: Math.max(sofar.lagP99Ms, stalls.lagP99Ms), gc };
    }
  }
  return merged;
}
