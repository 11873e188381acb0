import { RETRY_JITTER, delayHonouringRetryAfter, nextAttemptDelay } from './retry-schedule';

const schedule = [0, 5_000, 300_000, 1_800_000];

describe('nextAttemptDelay', () => {
  it('makes attempt 1 immediate when the schedule starts with 0', () => {
    expect(nextAttemptDelay(schedule, 0, () => 0.99)).toBe(0);
  });

  it('returns the scheduled delay before each next attempt, at the middle of the jitter', () => {
    expect(nextAttemptDelay(schedule, 1, () => 0.5)).toBe(5_000);
    expect(nextAttemptDelay(schedule, 2, () => 0.5)).toBe(300_000);
    expect(nextAttemptDelay(schedule, 3, () => 0.5)).toBe(1_800_000);
  });

  it('spreads each delay by ±20%', () => {
    expect(nextAttemptDelay(schedule, 1, () => 0)).toBe(5_000 * (1 - RETRY_JITTER));
    expect(nextAttemptDelay(schedule, 1, () => 1)).toBe(5_000 * (1 + RETRY_JITTER));
    for (let n = 0; n < 200; n += 1) {
      const delay = nextAttemptDelay(schedule, 2, Math.random)!;
      expect(delay).toBeGreaterThanOrEqual(240_000);
      expect(delay).toBeLessThanOrEqual(360_000);
    }
  });

  it('clamps a random source that strays outside [0, 1]', () => {
    expect(nextAttemptDelay(schedule, 1, () => 7)).toBe(6_000);
    expect(nextAttemptDelay(schedule, 1, () => -3)).toBe(4_000);
  });

  it('returns null once the schedule is used up, so the delivery fails', () => {
    expect(nextAttemptDelay(schedule, 4, () => 0.5)).toBeNull();
    expect(nextAttemptDelay([0], 1, () => 0.5)).toBeNull();
    expect(nextAttemptDelay(schedule, -1, () => 0.5)).toBeNull();
  });
});

describe('delayHonouringRetryAfter', () => {
  it('waits at least as long as Retry-After asks', () => {
    expect(delayHonouringRetryAfter(5_000, 60_000, 3_600_000)).toBe(60_000);
  });

  it('never waits less than the schedule says', () => {
    expect(delayHonouringRetryAfter(5_000, 1_000, 3_600_000)).toBe(5_000);
  });

  it('caps the wait a Retry-After can impose', () => {
    expect(delayHonouringRetryAfter(5_000, 86_400_000 * 30, 36_000_000)).toBe(36_000_000);
  });

  it('follows the schedule when there is no Retry-After', () => {
    expect(delayHonouringRetryAfter(5_000, undefined, 36_000_000)).toBe(5_000);
  });
});
