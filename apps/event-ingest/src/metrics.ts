// Prometheus metrics of the ingest path, beside the HTTP metrics that libs/http records for every route.
import { Counter, Histogram, type Registry } from 'prom-client';

/** The counters and histograms event-ingest updates per request. */
export interface IngestMetrics {
  /** Events newly stored in EVENTS, by message type (the ingest rate). */
  eventsStored: Counter<'message_type'>;
  /** Events whose idempotency_key was already stored inside the window: answered with the first message_id. */
  duplicates: Counter<'message_type'>;
  /** Events refused with 409: their idempotency_key was stored before with another event. */
  idempotencyConflicts: Counter<'message_type'>;
  /** Reports of answered repeats that did not reach AUDIT in time (audit's duplicate count misses them). */
  duplicateReportsLost: Counter;
  /** Requests answered 503 because JetStream did not acknowledge every event, by reason. */
  publishFailures: Counter<'reason'>;
  /** Events per accepted request. */
  batchSize: Histogram;
  /** Time from the first publish of a stored request to its last PubAck. */
  publishDuration: Histogram;
}

/** Registers event-ingest's metrics in `registry`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  return {
    eventsStored: new Counter({
      name: 'hookmesh_ingest_events_stored_total',
      help: 'Events stored in the EVENTS stream, by message type.',
      labelNames: ['message_type'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'hookmesh_ingest_duplicates_total',
      help: 'Events ingested again with an idempotency_key already stored inside the window; nothing new was stored.',
      labelNames: ['message_type'],
      registers: [registry],
    }),
    idempotencyConflicts: new Counter({
      name: 'hookmesh_ingest_idempotency_conflicts_total',
      help: 'Events refused with 409 because their idempotency_key was stored before with another event.',
      labelNames: ['message_type'],
      registers: [registry],
    }),
    duplicateReportsLost: new Counter({
      name: 'hookmesh_ingest_duplicate_reports_lost_total',
      help: "Answered repeats whose report did not reach AUDIT within the publish budget: audit's duplicate_ingests misses them.",
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'hookmesh_ingest_publish_failures_total',
      help: 'Ingest requests answered 503 because JetStream did not acknowledge every event, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'hookmesh_ingest_batch_size',
      help: 'Events per accepted ingest request.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    publishDuration: new Histogram({
      name: 'hookmesh_ingest_publish_duration_seconds',
      help: 'Time from the first publish of an ingest request to its last PubAck.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
