import { createTurns, MIN_IN_LINE_WINDOW_MS, type TurnInput } from './turns';

// A callback whose queued tasks get through one every 10 ms (100 ms attempts over 10 slots), in an account of 50 slots.
const input: TurnInput = { callbackKey: 'acme/cb_1', account: 'acme', inLine: 0, callbackTurnMs: 10, accountTurnMs: 2 };

describe('turns', () => {
  it('places each task that joins behind the ones queued before it, one pace apart', () => {
    const turns = createTurns();
    expect(Array.from({ length: 4 }, () => turns.join(input))).toEqual([10, 20, 30, 40]);
    // An estimate does not join.
    expect(turns.estimate(input)).toBe(50);
    expect(turns.estimate(input)).toBe(50);
  });

  it('counts the tasks waiting in line in this process as ahead too', () => {
    const turns = createTurns();
    expect(turns.estimate({ ...input, inLine: 9 })).toBe(100);
  });

  it('moves everyone up as tasks of the callback take their slots, and forgets the queue once the callback drains', () => {
    const turns = createTurns();
    for (let n = 0; n < 5; n += 1) turns.join(input);
    turns.started('acme/cb_1', 'acme');
    turns.started('acme/cb_1', 'acme');
    expect(turns.estimate(input)).toBe(40);
    // Tasks counted as queued but dropped meanwhile (a hold, a deleted callback) are not owed once it is idle.
    turns.idle('acme/cb_1');
    expect(turns.estimate(input)).toBe(10);
  });

  it("spaces an account's callbacks by the account's pace when that is the tighter bound", () => {
    const turns = createTurns();
    // Ten callbacks of one account each with room, but the account gets one task through every 20 ms.
    const waits = Array.from({ length: 5 }, (_, n) => turns.join({ ...input, callbackKey: `acme/cb_${n}`, accountTurnMs: 20 }));
    expect(waits).toEqual([20, 40, 60, 80, 100]);
  });

  it('keeps accounts apart: one account far behind does not push back another', () => {
    const turns = createTurns();
    for (let n = 0; n < 1_000; n += 1) turns.join(input);
    expect(turns.estimate({ ...input, callbackKey: 'other/cb_1', account: 'other' })).toBe(10);
  });

  it('counts nothing for a callback not attempted here yet', () => {
    const turns = createTurns();
    turns.join({ ...input, callbackTurnMs: undefined, accountTurnMs: undefined });
    expect(turns.estimate({ ...input, callbackTurnMs: undefined, accountTurnMs: undefined })).toBe(0);
  });

  it('lets a task wait in line for about one attempt, and never less than the floor', () => {
    const turns = createTurns();
    expect(turns.inLineWindowMs(undefined)).toBe(MIN_IN_LINE_WINDOW_MS);
    expect(turns.inLineWindowMs(3)).toBe(MIN_IN_LINE_WINDOW_MS);
    expect(turns.inLineWindowMs(250)).toBe(250);
  });
});
