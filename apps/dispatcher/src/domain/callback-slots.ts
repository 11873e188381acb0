// Bounded concurrency per callback: at most `limit` attempts to one callback at once in this process.
// A task that finds its callback full may wait in line for a slot, but only when the callback's recent attempts
// say the slot will come sooner than a nak would bring the task back: a fast endpoint with a backlog is served from
// the line (no nak/redelivery churn), a slow one turns extra tasks away at once, so it cannot hold the process's
// other slots while it is slow.

export interface CallbackSlots {
  /** Takes a slot for the callback; returns its release function, or null when the callback is at its limit. */
  tryAcquire(callbackId: string): (() => void) | null;
  /**
   * Takes a slot now, or waits in line for one when the expected wait (place in line × recent attempt time ÷ limit)
   * is under `maxWaitMs` (before any attempt time is known: when at most `limit` wait ahead); resolves null when it
   * is not worth waiting or the wait ran out.
   */
  acquire(callbackId: string, maxWaitMs: number): Promise<(() => void) | null>;
  /** Attempts running to this callback now. */
  inUse(callbackId: string): number;
  /** Tasks waiting in line for this callback's slots now. */
  inLine(callbackId: string): number;
  /** Moving average of how long this callback's attempts took (ms); undefined before the first one here. */
  averageHoldMs(callbackId: string): number | undefined;
}

interface CallbackLine {
  running: number;
  /** Moving average of how long a slot was held (ms); undefined until one was released. */
  averageHoldMs: number | undefined;
  waiting: Array<(release: (() => void) | null) => void>;
}

// Weight of the newest hold time in the moving average: recent enough to notice an endpoint slowing down.
const AVERAGE_WEIGHT = 0.2;

/** Creates the per-callback slot counters of one dispatcher process; `now` (ms) is pinned in tests. */
export function createCallbackSlots(limit: number, now: () => number = () => performance.now()): CallbackSlots {
  const lines = new Map<string, CallbackLine>();
  // Lines of callbacks not seen for a while are dropped so the map does not grow with every callback ever served.
  const MAX_IDLE_LINES = 10_000;

  function lineOf(callbackId: string): CallbackLine {
    let line = lines.get(callbackId);
    if (line === undefined) {
      if (lines.size >= MAX_IDLE_LINES) {
        for (const [key, candidate] of lines) {
          if (candidate.running === 0 && candidate.waiting.length === 0) lines.delete(key);
          if (lines.size < MAX_IDLE_LINES / 2) break;
        }
      }
      line = { running: 0, averageHoldMs: undefined, waiting: [] };
      lines.set(callbackId, line);
    }
    return line;
  }

  function take(line: CallbackLine): () => void {
    line.running += 1;
    const started = now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = now() - started;
      line.averageHoldMs = line.averageHoldMs === undefined ? held : line.averageHoldMs + AVERAGE_WEIGHT * (held - line.averageHoldMs);
      line.running -= 1;
      // The freed slot goes straight to the first in line, so a late tryAcquire cannot overtake it.
      const next = line.waiting.shift();
      if (next !== undefined) next(take(line));
    };
  }

  return {
    tryAcquire(callbackId) {
      const line = lineOf(callbackId);
      return line.running < limit ? take(line) : null;
    },
    acquire(callbackId, maxWaitMs) {
      const line = lineOf(callbackId);
      if (line.running < limit && line.waiting.length === 0) return Promise.resolve(take(line));
      if (line.averageHoldMs === undefined) {
        // Nothing says yet how long its attempts take: a task waits for the first round of them to end (one slot
        // each, bounded by maxWaitMs), not behind a second round.
        if (line.waiting.length >= limit) return Promise.resolve(null);
      } else if (((line.waiting.length + 1) / limit) * line.averageHoldMs >= maxWaitMs) return Promise.resolve(null);
      return new Promise((resolve) => {
        const waiter = (release: (() => void) | null) => {
          clearTimeout(timer);
          resolve(release);
        };
        const timer = setTimeout(() => {
          const index = line.waiting.indexOf(waiter);
          if (index !== -1) line.waiting.splice(index, 1);
          resolve(null);
        }, maxWaitMs);
        line.waiting.push(waiter);
      });
    },
    inUse(callbackId) {
      return lines.get(callbackId)?.running ?? 0;
    },
    inLine(callbackId) {
      return lines.get(callbackId)?.waiting.length ?? 0;
    },
    averageHoldMs(callbackId) {
      return lines.get(callbackId)?.averageHoldMs;
    },
  };
}
