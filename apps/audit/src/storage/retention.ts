// Retention: deletes what is older than HOOKMESH_RETENTION, a small batch per statement so writers never wait long.
import type { Logger } from '@hookmesh/logging';
import { sql } from 'kysely';
import type { AuditMetrics } from '../metrics';
import type { AuditDatabase, AuditExecutor } from './database';

/** Each table and the time column that says how old a row is. */
export const RETENTION_COLUMNS = {
  attempts: 'started_at',
  delivery_holds: 'held_at',
  redelivery_requests: 'requested_at',
  // A delivery lives as long as something happens to it; a redelivery yesterday keeps a month-old delivery.
  deliveries: 'updated_at',
  event_receipts: 'published_at',
  events: 'ingested_at',
  duplicate_ingests: 'repeated_at',
} as const satisfies { [T in keyof AuditDatabase]: keyof AuditDatabase[T] & string };

export type PruneCounts = Record<keyof typeof RETENTION_COLUMNS, number>;

/** Deletes rows older than `cutoff` from every audit table, `batchSize` rows per statement; returns counts per table. */
export async function pruneOlderThan(db: AuditExecutor, cutoff: Date, batchSize = 1000): Promise<PruneCounts> {
  const counts = { attempts: 0, delivery_holds: 0, redelivery_requests: 0, deliveries: 0, event_receipts: 0, events: 0, duplicate_ingests: 0 };
  for (const [table, column] of Object.entries(RETENTION_COLUMNS) as Array<[keyof PruneCounts, string]>) {
    for (;;) {
      // Each statement is its own short transaction; ctid picks the batch without needing a key on every table.
      const result = await sql`
        delete from ${sql.table(table)}
         where ctid = any(array(select ctid from ${sql.table(table)} where ${sql.ref(column)} < ${cutoff} limit ${batchSize}))`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0n);
      counts[table] += deleted;
      if (deleted < batchSize) break;
    }
  }
  return counts;
}

export interface Pruner {
  /** Runs one pass now (also what the interval runs); passes never overlap. */
  runOnce(): Promise<PruneCounts | undefined>;
  /** Stops the interval and waits for a running pass. */
  stop(): Promise<void>;
}

export interface PrunerOptions {
  db: AuditExecutor;
  log: Logger;
  retentionMs: number;
  intervalMs: number;
  metrics: AuditMetrics;
  now?: () => Date;
  batchSize?: number;
}

/** Prunes on an interval (the first pass right away); a failed pass (Postgres down) is logged and retried next time. */
export function startPruner(options: PrunerOptions): Pruner {
  const now = options.now ?? (() => new Date());
  let running: Promise<PruneCounts | undefined> | undefined;
  const runOnce = (): Promise<PruneCounts | undefined> => {
    running ??= (async () => {
      const cutoff = new Date(now().getTime() - options.retentionMs);
      try {
        const counts = await pruneOlderThan(options.db, cutoff, options.batchSize);
        for (const [table, deleted] of Object.entries(counts)) if (deleted > 0) options.metrics.prunedRows.inc({ table }, deleted);
        options.log.info({ cutoff: cutoff.toISOString(), deleted: counts }, 'retention pass done');
        return counts;
      } catch (error) {
        options.log.warn({ err: error }, 'retention pass failed; retrying at the next interval');
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  const first = setTimeout(() => void runOnce(), 0);
  first.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
