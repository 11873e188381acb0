// How audit records fold into a delivery's current state, whatever order (or how often) they arrive in.
import type { DeliveryAuditRecord, DeliveryStatus, MessageType } from '@hookmesh/contracts';

/**
 * Orders the records that may set a delivery's status: a later series beats an earlier one, a later attempt
 * beats an earlier one, and within one attempt: created < redelivery requested < held < attempted. `at` breaks
 * the remaining ties (two holds of one attempt). Comparing marks, never arrival order, is what makes the fold
 * commutative and idempotent.
 */
export interface StateMark {
  series: number;
  attempt: number;
  rank: number;
  /** Epoch milliseconds. */
  at: number;
}

export const STATE_RANK = { delivery_created: 0, redelivery_requested: 1, delivery_held: 2, attempt: 3 } as const;

export interface DeliveryStateSetter {
  mark: StateMark;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
}

export interface LastAttempt {
  series: number;
  attempt: number;
  statusCode: number | null;
  error: string | null;
}

/** Everything the records seen so far say about one delivery; merging two patches is commutative and idempotent. */
export interface DeliveryPatch {
  id: string;
  account: string;
  messageId: string;
  callbackId: string;
  messageType: MessageType;
  /** Earliest record time seen (the delivery_created time once that record arrived). */
  createdAt: number;
  /** Latest record time seen. */
  updatedAt: number;
  /** Highest series seen. */
  series: number;
  state: DeliveryStateSetter;
  lastAttempt: LastAttempt | null;
}

/** Negative when a is older than b, positive when newer, 0 when equal. */
export function compareMarks(a: StateMark, b: StateMark): number {
  return a.series - b.series || a.attempt - b.attempt || a.rank - b.rank || a.at - b.at;
}

const ms = (iso: string): number => Date.parse(iso);

/** Why an attempt did not succeed, in one line: the dispatcher's message, else the error class, else null. */
export function lastErrorOf(record: { error_message: string | null; error_class: string | null }): string | null {
  return record.error_message ?? record.error_class;
}

/** What a single audit record says about its delivery. */
export function deliveryPatchOf(record: DeliveryAuditRecord): DeliveryPatch {
  const identity = {
    id: record.delivery_id,
    account: record.account,
    messageId: record.message_id,
    callbackId: record.callback_id,
    messageType: record.message_type,
    series: record.series,
  };
  switch (record.kind) {
    case 'delivery_created': {
      const at = ms(record.created_at);
      return {
        ...identity,
        createdAt: at,
        updatedAt: at,
        state: { mark: { series: record.series, attempt: 0, rank: STATE_RANK.delivery_created, at }, status: 'pending', nextAttemptAt: null },
        lastAttempt: null,
      };
    }
    case 'redelivery_requested': {
      const at = ms(record.requested_at);
      return {
        ...identity,
        createdAt: at,
        updatedAt: at,
        state: { mark: { series: record.series, attempt: 0, rank: STATE_RANK.redelivery_requested, at }, status: 'pending', nextAttemptAt: null },
        lastAttempt: null,
      };
    }
    case 'delivery_held': {
      const at = ms(record.held_at);
      return {
        ...identity,
        createdAt: at,
        updatedAt: at,
        state: {
          mark: { series: record.series, attempt: record.attempt, rank: STATE_RANK.delivery_held, at },
          // An open circuit is not an operator's hold: customers and stats tell the two apart.
          status: record.reason === 'circuit_open' ? 'circuit_open' : 'held',
          nextAttemptAt: record.next_attempt_at === null ? null : ms(record.next_attempt_at),
        },
        lastAttempt: null,
      };
    }
    case 'attempt': {
      const at = ms(record.started_at);
      return {
        ...identity,
        createdAt: at,
        // The attempt is known once it ended; its start alone would make a slow attempt look older than it is.
        updatedAt: at + Math.round(record.latency_ms),
        state: {
          mark: { series: record.series, attempt: record.attempt, rank: STATE_RANK.attempt, at },
          status: record.outcome,
          nextAttemptAt: record.next_attempt_at === null ? null : ms(record.next_attempt_at),
        },
        lastAttempt: { series: record.series, attempt: record.attempt, statusCode: record.status_code, error: lastErrorOf(record) },
      };
    }
  }
}

function newerLastAttempt(a: LastAttempt | null, b: LastAttempt | null): LastAttempt | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.series > a.series || (b.series === a.series && b.attempt > a.attempt) ? b : a;
}

/** Combines two patches of the same delivery; the result does not depend on argument order. */
export function mergeDeliveryPatches(a: DeliveryPatch, b: DeliveryPatch): DeliveryPatch {
  return {
    ...a,
    createdAt: Math.min(a.createdAt, b.createdAt),
    updatedAt: Math.max(a.updatedAt, b.updatedAt),
    series: Math.max(a.series, b.series),
    state: compareMarks(b.state.mark, a.state.mark) > 0 ? b.state : a.state,
    lastAttempt: newerLastAttempt(a.lastAttempt, b.lastAttempt),
  };
}

/** Folds a batch of records into one patch per delivery, so a batch upserts each delivery row once. */
export function foldDeliveryPatches(records: readonly DeliveryAuditRecord[]): Map<string, DeliveryPatch> {
  const patches = new Map<string, DeliveryPatch>();
  for (const record of records) {
    const patch = deliveryPatchOf(record);
    const seen = patches.get(patch.id);
    patches.set(patch.id, seen === undefined ? patch : mergeDeliveryPatches(seen, patch));
  }
  return patches;
}
