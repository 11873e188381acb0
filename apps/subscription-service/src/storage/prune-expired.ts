// Removes what has stopped by itself: holds past expires_at and secrets past their rotation overlap.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { liveSecrets } from '../domain/callbacks';
import { callbacksWithExpiredSecrets, updateCallback } from './callbacks-repository';
import type { SubscriptionDatabase } from './database';
import { deleteExpiredHolds } from './holds-repository';
import { enqueueOutbox } from './kv-outbox-repository';

const BATCH = 500;

/** Deletes expired holds and drops expired secrets, each with its outbox row; returns what changed. */
export async function pruneExpired(db: Kysely<SubscriptionDatabase>, now: Date): Promise<{ holds: number; secrets: number }> {
  return db.transaction().execute(async (tx) => {
    const holds = await deleteExpiredHolds(tx, now);
    await enqueueOutbox(tx, holds.map((hold) => ({ kind: 'hold', account: hold.account, ref: hold.message_type })));
    const callbacks = await callbacksWithExpiredSecrets(tx, now, BATCH);
    for (const row of callbacks) {
      // updated_at stays: dropping a secret whose end was announced is not a change by anyone.
      await updateCallback(tx, row.account, row.id, { secrets: liveSecrets(row.secrets, now), updatedAt: row.updated_at });
    }
    await enqueueOutbox(tx, callbacks.map((row) => ({ kind: 'callback', account: row.account, ref: row.id })));
    return { holds: holds.length, secrets: callbacks.length };
  });
}

export interface ExpiryPruner {
  stop(): void;
}

/** Runs pruneExpired every `intervalMs` and kicks the publisher when something changed. */
export function startExpiryPruner(options: {
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  intervalMs: number;
  onPruned: () => void;
  now?: () => Date;
}): ExpiryPruner {
  const { db, log, intervalMs, onPruned, now = () => new Date() } = options;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pruneExpired(db, now())
      .then((pruned) => {
        if (pruned.holds + pruned.secrets === 0) return;
        log.info({ expired_holds: pruned.holds, callbacks_with_expired_secrets: pruned.secrets }, 'pruned expired holds and secrets');
        onPruned();
      })
      .catch((error: unknown) => log.warn({ err: error }, 'pruning expired holds and secrets failed; will retry'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
