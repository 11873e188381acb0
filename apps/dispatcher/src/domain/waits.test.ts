import { MIN_IN_LINE_WINDOW_MS } from './turns';
import { MIN_WAIT_MS, holdRecheckDelay, millisUntil, notDueFor, recheckDelayMs, spreadDelay } from './waits';

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

describe('notDueFor', () => {
  const now = Date.parse('2026-12-03T10:00:00.000Z');

  it('says how long a message whose header time is ahead still waits, at least MIN_WAIT_MS', () => {
    expect(notDueFor(String(now + 1_500), now)).toBe(1_500);
    expect(notDueFor(String(now + 1), now)).toBe(MIN_WAIT_MS);
  });

  it('leaves a due message, or one without a usable header, to the task itself', () => {
    expect(notDueFor(String(now), now)).toBeUndefined();
    expect(notDueFor(String(now - 60_000), now)).toBeUndefined();
    for (const header of [undefined, '', 'soon', '2026-12-03T10:00:05Z', '-5', '1e15', ' 1', '12345678901234567']) {
      expect(notDueFor(header, now)).toBeUndefined();
    }
  });
});

describe('recheckDelayMs', () => {
  it('brings a task turned away back about at its estimated turn, within a short line and the whole recheck', () => {
    expect(recheckDelayMs(45, 500)).toBe(45);
    expect(recheckDelayMs(2, 500)).toBe(MIN_IN_LINE_WINDOW_MS);
    expect(recheckDelayMs(5_000, 500)).toBe(500);
  });

  it('waits the whole recheck when no turn is estimated', () => {
    expect(recheckDelayMs(undefined, 500)).toBe(500);
  });
});
