// A circuit per callback: a run of failures opens it, a cool-down later one probe goes through (half-open),
// and a long unbroken failure asks for the callback to be disabled. Pure: time comes from the injected clock.

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** How long an open circuit refuses attempts before letting one probe through. */
  cooldownMs: number;
  /** Unbroken failure after which recordFailure answers disable: true. */
  disableAfterMs: number;
  now: () => number;
}

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

export interface CircuitBreaker {
  /** May an attempt to this callback go out now? A half-open circuit admits exactly one probe. */
  admit(callbackId: string): Admission;
  /** Gives back an admission that did not lead to an attempt (so a reserved probe is not lost). */
  release(callbackId: string, admission: Admission): void;
  /** A delivered attempt closes the circuit and ends the failure run. */
  recordSuccess(callbackId: string): void;
  /** A failed attempt; `disable` once the failure run has lasted disableAfterMs. */
  recordFailure(callbackId: string): { opened: boolean; disable: boolean; failingSinceMs: number };
  /** Drops what is known about a callback (deleted or disabled). */
  forget(callbackId: string): void;
  /** Whether the circuit of this callback is currently open (for metrics and tests). */
  isOpen(callbackId: string): boolean;
}

interface CircuitState {
  consecutiveFailures: number;
  failingSince: number;
  openedAt: number | null;
  probeStartedAt: number | null;
}

/** Creates the in-memory circuits of one dispatcher process. */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const circuits = new Map<string, CircuitState>();
  // While a probe is out, other deliveries of that callback look again this soon (not a full cool-down).
  const probeWaitMs = Math.max(1, Math.min(options.cooldownMs, 1_000));

  return {
    admit(callbackId) {
      const state = circuits.get(callbackId);
      if (state?.openedAt == null) return { allowed: true, probe: false };
      const now = options.now();
      const reopensAt = state.openedAt + options.cooldownMs;
      if (now < reopensAt) return { allowed: false, retryInMs: reopensAt - now };
      // A probe that never reported back (its worker died) gives way after another cool-down.
      if (state.probeStartedAt !== null && now < state.probeStartedAt + options.cooldownMs) {
        return { allowed: false, retryInMs: probeWaitMs };
      }
      state.probeStartedAt = now;
      return { allowed: true, probe: true };
    },
    release(callbackId, admission) {
      if (!admission.allowed || !admission.probe) return;
      const state = circuits.get(callbackId);
      if (state) state.probeStartedAt = null;
    },
    recordSuccess(callbackId) {
      circuits.delete(callbackId);
    },
    recordFailure(callbackId) {
      const now = options.now();
      let state = circuits.get(callbackId);
      if (!state) {
        state = { consecutiveFailures: 0, failingSince: now, openedAt: null, probeStartedAt: null };
        circuits.set(callbackId, state);
      }
      state.consecutiveFailures += 1;
      state.probeStartedAt = null;
      const wasOpen = state.openedAt !== null;
      if (state.consecutiveFailures >= options.threshold) state.openedAt = now;
      const disable = now - state.failingSince >= options.disableAfterMs;
      return { opened: !wasOpen && state.openedAt !== null, disable, failingSinceMs: state.failingSince };
    },
    forget(callbackId) {
      circuits.delete(callbackId);
    },
    isOpen(callbackId) {
      const state = circuits.get(callbackId);
      return state?.openedAt != null;
    },
  };
}
