// Prometheus metrics of the audit service, beside the HTTP metrics createHttpApp registers.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AuditMetrics {
  rowsWritten: Counter<'stream'>;
  alreadyStored: Counter<'stream'>;
  redelivered: Counter<'stream'>;
  invalidMessages: Counter<'stream'>;
  /** Messages (or batch entries) given up and kept on DEAD, by source stream and reason. */
  deadLetters: Counter<'stream' | 'reason'>;
  batchFailures: Counter<'stream' | 'reason'>;
  batchDuration: Histogram<'stream'>;
  prunedRows: Counter<'table'>;
  redeliveriesRequested: Counter<'via'>;
  consumerPending: Gauge<'consumer'>;
}

/** Registers the audit metrics in `registry`. `consumerLag` feeds the lag gauge at scrape time. */
export function createAuditMetrics(
  registry: Registry,
  consumerLag?: () => Promise<Array<{ consumer: string; pending: number }>>,
): AuditMetrics {
  const registers = [registry];
  return {
    rowsWritten: new Counter({
      name: 'hookmesh_audit_rows_written_total',
      help: 'Records stored for the first time, by source stream.',
      labelNames: ['stream'],
      registers,
    }),
    alreadyStored: new Counter({
      name: 'hookmesh_audit_already_stored_total',
      help: 'Records that conflicted on insert (already stored): consumer redeliveries and duplicate publishes.',
      labelNames: ['stream'],
      registers,
    }),
    redelivered: new Counter({
      name: 'hookmesh_audit_redelivered_messages_total',
      help: 'Messages JetStream delivered to audit more than once (not acked in time, or nak-ed during an outage).',
      labelNames: ['stream'],
      registers,
    }),
    invalidMessages: new Counter({
      name: 'hookmesh_audit_invalid_messages_total',
      help: 'Messages that do not match their contract or hold unstorable data; terminated, see the logs.',
      labelNames: ['stream'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'hookmesh_dead_letters_total',
      help: 'Messages (or batch entries) given up and kept on the DEAD stream (GET /admin/api/v1/dead_letters), by source stream and reason.',
      labelNames: ['stream', 'reason'],
      registers,
    }),
    batchFailures: new Counter({
      name: 'hookmesh_audit_batch_failures_total',
      help: 'Batches that could not be written and were left for redelivery, by reason.',
      labelNames: ['stream', 'reason'],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'hookmesh_audit_batch_duration_seconds',
      help: 'Time to write one batch to Postgres.',
      labelNames: ['stream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    prunedRows: new Counter({
      name: 'hookmesh_audit_pruned_rows_total',
      help: 'Rows deleted by retention, by table.',
      labelNames: ['table'],
      registers,
    }),
    redeliveriesRequested: new Counter({
      name: 'hookmesh_audit_redeliveries_requested_total',
      help: 'Redeliveries published to DELIVERIES, by API (redeliver or recover).',
      labelNames: ['via'],
      registers,
    }),
    consumerPending: new Gauge({
      name: 'hookmesh_audit_consumer_pending_messages',
      help: 'Messages of a stream audit has not stored yet (JetStream consumer lag: pending plus awaiting ack).',
      labelNames: ['consumer'],
      registers,
      async collect() {
        if (consumerLag === undefined) return;
        try {
          for (const { consumer, pending } of await consumerLag()) this.set({ consumer }, pending);
        } catch {
          // NATS unreachable: keep the last values; /readyz reports the outage.
        }
      },
    }),
  };
}
