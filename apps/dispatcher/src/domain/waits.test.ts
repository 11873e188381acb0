import { MIN_WAIT_MS, holdRecheckDelay, millisUntil, spreadDelay } from './waits';

const now = new Date('2024-05-01T12:00:00.000Z');

describe('millisUntil', () => {
  it('counts down to not_before and is 0 once it passed or when absent', () => {
    expect(millisUntil('2024-05-01T12:00:05.000Z', now)).toBe(5_000);
    expect(millisUntil('2024-05-01T11:00:00.000Z', now)).toBe(0);
    expect(millisUntil(undefined, now)).toBe(0);
  });
});

describe('holdRecheckDelay', () => {
  it('looks again after the re-check interval for an open-ended hold', () => {
    expect(holdRecheckDelay({ expires_at: null }, now, 2_000)).toBe(2_000);
  });

  it('looks again when the hold expires if that is sooner', () => {
    expect(holdRecheckDelay({ expires_at: '2024-05-01T12:00:00.500Z' }, now, 2_000)).toBe(500);
    expect(holdRecheckDelay({ expires_at: '2024-05-01T13:00:00.000Z' }, now, 2_000)).toBe(2_000);
  });

  it('never asks for a zero delay (which JetStream would redeliver at once)', () => {
    expect(holdRecheckDelay({ expires_at: '2024-05-01T11:59:59.000Z' }, now, 2_000)).toBe(MIN_WAIT_MS);
  });
});

describe('spreadDelay', () => {
  it('spreads around the base by ±50%', () => {
    expect(spreadDelay(500, () => 0)).toBe(250);
    expect(spreadDelay(500, () => 1)).toBe(750);
    expect(spreadDelay(1, () => 0)).toBe(MIN_WAIT_MS);
  });
});
