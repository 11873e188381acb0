// How many callbacks an account may hold, in all and per message type: each one multiplies an event's deliveries.
import type { ExceededLimit } from '@hookmesh/http';

export interface CallbackLimits {
  /** HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT */
  perAccount: number;
  /** HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE */
  perMessageType: number;
}

/** The callbacks an account holds now: in all, and per message type. */
export interface CallbackCounts {
  total: number;
  byMessageType: ReadonlyMap<string, number>;
}

export type LimitBreach = { limit: ExceededLimit; detail: string };

/** The first limit that creating `requested` (their message types) would break, or undefined when all fit. */
export function callbackLimitBreach(counts: CallbackCounts, requested: ReadonlyArray<{ message_type: string }>, limits: CallbackLimits): LimitBreach | undefined {
  if (counts.total + requested.length > limits.perAccount) {
    return {
      limit: { name: 'callbacks_per_account', max: limits.perAccount, current: counts.total, requested: requested.length },
      detail: `An account holds at most ${limits.perAccount} callbacks (HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT); it has ${counts.total} and this request adds ${requested.length}. Delete some first; nothing was created.`,
    };
  }
  const adding = new Map<string, number>();
  for (const { message_type: messageType } of requested) adding.set(messageType, (adding.get(messageType) ?? 0) + 1);
  for (const [messageType, count] of adding) {
    const current = counts.byMessageType.get(messageType) ?? 0;
    if (current + count > limits.perMessageType) {
      return {
        limit: { name: 'callbacks_per_message_type', max: limits.perMessageType, current, requested: count, message_type: messageType },
        detail: `An account holds at most ${limits.perMessageType} callbacks of one message type (HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE); it has ${current} of ${messageType} and this request adds ${count}. Nothing was created.`,
      };
    }
  }
  return undefined;
}
