// Where a task goes before any HTTP: not due yet, nowhere (its callback is gone or disabled), held, or on to an attempt.
import type { CallbackState, DeliveryTask, HoldState } from '@hookmesh/contracts';
import { holdRecheckDelay, millisUntil } from './waits';

export type Route =
  /** Its not_before is ahead: wait that long. */
  | { kind: 'not_due'; delayMs: number }
  /** Settled as failed without sending: a deleted or disabled callback (failed, not dropped, so it stays recoverable). */
  | { kind: 'unattempted'; url: string; reason: string }
  /** Its message type is held: wait, without counting an attempt, and look again soon. */
  | { kind: 'held'; delayMs: number }
  /** On to the callback's slots, its circuit and an attempt. */
  | { kind: 'attempt'; callback: CallbackState };

export interface RouteFacts {
  /** The callback in the live view, so a new URL, a rotated secret or a disable applies to pending retries. */
  callback: CallbackState | undefined;
  /** Disabled by this process a moment ago (the subscription state will say so soon). */
  disabledHere: boolean;
  hold: HoldState | undefined;
  now: Date;
  holdRecheckMs: number;
}

/** Routes a task; pure. */
export function routeTask(task: Pick<DeliveryTask, 'not_before'>, facts: RouteFacts): Route {
  const wait = millisUntil(task.not_before, facts.now);
  if (wait > 0) return { kind: 'not_due', delayMs: wait };
  const { callback } = facts;
  if (callback === undefined) return { kind: 'unattempted', url: '', reason: 'callback deleted; not attempted' };
  if (callback.status !== 'active' || facts.disabledHere) return { kind: 'unattempted', url: callback.url, reason: 'callback disabled; not attempted' };
  if (facts.hold !== undefined) return { kind: 'held', delayMs: holdRecheckDelay(facts.hold, facts.now, facts.holdRecheckMs) };
  return { kind: 'attempt', callback };
}
