// When a task whose callback is busy may expect its turn. DELIVERIES is one line for every account: a task that would
// wait there longer than about one attempt of its callback sits in front of other accounts' fresh tasks (and holds a
// worker while it waits in line), so one account's backlog to a slow endpoint would delay everyone's deliveries. Such
// a task is parked on WAITING until its expected turn instead: the tasks queued for the callback (and for its
// account) ahead of it, times the pace at which they get through.

/** One task's callback and account, and the pace at which their queued tasks get through. */
export interface TurnInput {
  callbackKey: string;
  account: string;
  /** Tasks waiting in line for the callback's slots in this process now. */
  inLine: number;
  /** How long one queued task of the callback (of the account) takes to get through (ms); undefined: not known yet. */
  callbackTurnMs: number | undefined;
  accountTurnMs: number | undefined;
}

export interface Turns {
  /** How long until a task joining the queue now would have its turn, behind every task ahead (it does not join). */
  estimate(input: TurnInput): number;
  /** Queues a task for its turn (it will be parked until then); returns how long until it. */
  join(input: TurnInput): number;
  /** A task of the callback took a slot: the queue ahead of the others is one shorter. */
  started(callbackKey: string, account: string): void;
  /** The callback has nothing running: nobody is queued for it any more (parked tasks it dropped included). */
  idle(callbackKey: string): void;
  /** The longest wait for which a task stays in line (or on DELIVERIES) instead of being parked: about one attempt. */
  inLineWindowMs(averageHoldMs: number | undefined): number;
}

/** Waits shorter than this are never parked: a fast endpoint's short line is cheaper than a trip through WAITING. */
export const MIN_IN_LINE_WINDOW_MS = 20;
// Queues are dropped once empty past this many, so the maps do not grow with every callback ever served.
const MAX_QUEUES = 10_000;

/** Creates the turn book of one dispatcher process (turns are per process, as the slots they estimate). */
export function createTurns(): Turns {
  const callbacks = new Map<string, number>();
  const accounts = new Map<string, number>();

  function add(queues: Map<string, number>, key: string, delta: number): void {
    const next = Math.max(0, (queues.get(key) ?? 0) + delta);
    if (next === 0) queues.delete(key);
    else {
      if (!queues.has(key) && queues.size >= MAX_QUEUES) queues.delete(queues.keys().next().value as string);
      queues.set(key, next);
    }
  }

  function estimate(input: TurnInput): number {
    // A task that finds every slot taken waits at least for one of them, and then for each task ahead of it.
    const callbackAhead = (callbacks.get(input.callbackKey) ?? 0) + input.inLine + 1;
    const accountAhead = (accounts.get(input.account) ?? 0) + 1;
    return Math.max(callbackAhead * (input.callbackTurnMs ?? 0), accountAhead * (input.accountTurnMs ?? 0));
  }

  return {
    estimate,
    join(input) {
      const wait = estimate(input);
      add(callbacks, input.callbackKey, 1);
      add(accounts, input.account, 1);
      return wait;
    },
    started(callbackKey, account) {
      if (callbacks.has(callbackKey)) add(callbacks, callbackKey, -1);
      if (accounts.has(account)) add(accounts, account, -1);
    },
    idle(callbackKey) {
      callbacks.delete(callbackKey);
    },
    inLineWindowMs(averageHoldMs) {
      return Math.max(MIN_IN_LINE_WINDOW_MS, averageHoldMs ?? 0);
    },
  };
}
