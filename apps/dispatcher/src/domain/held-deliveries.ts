// Remembers which waiting deliveries were already announced as held, so a re-check does not write another record.

export interface HeldDeliveries {
  /** True the first time a delivery is seen waiting for this reason; false on every re-check after. */
  markHeld(key: string): boolean;
  /** Forgets a delivery once it stops waiting (attempted, settled or released). */
  release(key: string): void;
  size(): number;
}

/**
 * Bounded: past `maxEntries` the oldest are forgotten (a forgotten delivery that is still waiting is announced
 * once more, which audit treats as the same hold), so memory stays flat however many deliveries wait.
 */
export function createHeldDeliveries(maxEntries: number): HeldDeliveries {
  const seen = new Set<string>();
  return {
    markHeld(key) {
      if (seen.has(key)) return false;
      seen.add(key);
      if (seen.size > maxEntries) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      return true;
    },
    release(key) {
      seen.delete(key);
    },
    size() {
      return seen.size;
    },
  };
}
