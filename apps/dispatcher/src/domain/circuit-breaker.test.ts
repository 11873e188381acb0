import { createCircuitBreaker } from './circuit-breaker';

function setup(overrides: Partial<{ threshold: number; cooldownMs: number; disableAfterMs: number }> = {}) {
  let clock = 1_000_000;
  const breaker = createCircuitBreaker({ threshold: 3, cooldownMs: 60_000, disableAfterMs: 5 * 86_400_000, now: () => clock, ...overrides });
  return { breaker, advance: (ms: number) => (clock += ms) };
}

describe('createCircuitBreaker', () => {
  it('admits attempts while failures stay below the threshold', () => {
    const { breaker } = setup();
    breaker.recordFailure('cb');
    breaker.recordFailure('cb');
    expect(breaker.admit('cb')).toEqual({ allowed: true, probe: false });
    expect(breaker.isOpen('cb')).toBe(false);
  });

  it('opens after the threshold of consecutive failures and refuses until the cool-down ends', () => {
    const { breaker, advance } = setup();
    breaker.recordFailure('cb');
    breaker.recordFailure('cb');
    expect(breaker.recordFailure('cb').opened).toBe(true);
    expect(breaker.admit('cb')).toEqual({ allowed: false, retryInMs: 60_000 });
    advance(45_000);
    expect(breaker.admit('cb')).toEqual({ allowed: false, retryInMs: 15_000 });
  });

  it('lets exactly one probe through after the cool-down (half-open)', () => {
    const { breaker, advance } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('cb');
    advance(60_000);
    expect(breaker.admit('cb')).toEqual({ allowed: true, probe: true });
    expect(breaker.admit('cb')).toEqual({ allowed: false, retryInMs: 1_000 });
  });

  it('closes when the probe succeeds', () => {
    const { breaker, advance } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('cb');
    advance(60_000);
    breaker.admit('cb');
    breaker.recordSuccess('cb');
    expect(breaker.isOpen('cb')).toBe(false);
    expect(breaker.admit('cb')).toEqual({ allowed: true, probe: false });
  });

  it('opens again for a full cool-down when the probe fails', () => {
    const { breaker, advance } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('cb');
    advance(60_000);
    breaker.admit('cb');
    expect(breaker.recordFailure('cb').opened).toBe(false);
    expect(breaker.admit('cb')).toEqual({ allowed: false, retryInMs: 60_000 });
  });

  it('gives a probe slot back when the admission was not used', () => {
    const { breaker, advance } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('cb');
    advance(60_000);
    const admission = breaker.admit('cb');
    breaker.release('cb', admission);
    expect(breaker.admit('cb')).toEqual({ allowed: true, probe: true });
  });

  it('lets another probe through when one never reported back', () => {
    const { breaker, advance } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('cb');
    advance(60_000);
    breaker.admit('cb');
    advance(60_000);
    expect(breaker.admit('cb')).toEqual({ allowed: true, probe: true });
  });

  it('asks to disable after an unbroken failure run of disableAfterMs', () => {
    const { breaker, advance } = setup({ disableAfterMs: 5 * 86_400_000 });
    expect(breaker.recordFailure('cb').disable).toBe(false);
    advance(4 * 86_400_000);
    expect(breaker.recordFailure('cb').disable).toBe(false);
    advance(86_400_000);
    const run = breaker.recordFailure('cb');
    expect(run.disable).toBe(true);
    expect(run.failingSinceMs).toBe(1_000_000);
  });

  it('starts the failure run again after a success', () => {
    const { breaker, advance } = setup({ disableAfterMs: 10_000 });
    breaker.recordFailure('cb');
    advance(9_000);
    breaker.recordSuccess('cb');
    advance(2_000);
    expect(breaker.recordFailure('cb').disable).toBe(false);
  });

  it('keeps callbacks apart', () => {
    const { breaker } = setup();
    for (let n = 0; n < 3; n += 1) breaker.recordFailure('dead');
    expect(breaker.admit('dead').allowed).toBe(false);
    expect(breaker.admit('healthy')).toEqual({ allowed: true, probe: false });
  });
});
