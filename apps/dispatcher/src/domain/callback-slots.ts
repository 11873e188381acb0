// Bounded concurrency per callback: at most `limit` attempts to one callback at once in this process.

export interface CallbackSlots {
  /** Takes a slot for the callback; returns its release function, or null when the callback is at its limit. */
  tryAcquire(callbackId: string): (() => void) | null;
  /** Attempts running to this callback now. */
  inUse(callbackId: string): number;
}

/** Creates the per-callback slot counters of one dispatcher process. */
export function createCallbackSlots(limit: number): CallbackSlots {
  const counts = new Map<string, number>();
  return {
    tryAcquire(callbackId) {
      const current = counts.get(callbackId) ?? 0;
      if (current >= limit) return null;
      counts.set(callbackId, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(callbackId) ?? 1) - 1;
        if (left <= 0) counts.delete(callbackId);
        else counts.set(callbackId, left);
      };
    },
    inUse(callbackId) {
      return counts.get(callbackId) ?? 0;
    },
  };
}
