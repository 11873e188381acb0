// Callbacks this process has asked to disable, honoured at once (before the subscription-service's KV update arrives).
import type { CallbackState } from '@hookmesh/contracts';

export interface LocalDisables {
  /** Stops delivering to a callback from now on, until the subscription state says otherwise. */
  disable(account: string, callbackId: string, at: Date): void;
  isDisabled(account: string, callbackId: string): boolean;
  /**
   * Applies a subscription state change: the state becomes authoritative again once it shows the disable
   * (status disabled), the deletion, or a change made after our disable (an operator re-enabled it).
   */
  observe(account: string, callbackId: string, state: Pick<CallbackState, 'status' | 'updated_at'> | null): void;
}

/** Creates the local disable list of one dispatcher process. */
export function createLocalDisables(): LocalDisables {
  const disabledAt = new Map<string, number>();
  const key = (account: string, callbackId: string) => `${account}\u0000${callbackId}`;
  return {
    disable(account, callbackId, at) {
      disabledAt.set(key(account, callbackId), at.getTime());
    },
    isDisabled(account, callbackId) {
      return disabledAt.has(key(account, callbackId));
    },
    observe(account, callbackId, state) {
      const at = disabledAt.get(key(account, callbackId));
      if (at === undefined) return;
      if (state === null || state.status === 'disabled' || Date.parse(state.updated_at) > at) disabledAt.delete(key(account, callbackId));
    },
  };
}
