// The two durable consumers that fill the audit log: EVENTS → events, AUDIT → attempts/holds/redeliveries/deliveries.
import { EventRecord, natsNames } from '@hookmesh/contracts';
import type { Logger } from '@hookmesh/logging';
import {
  AckPolicy,
  createDeadLetters,
  decodeMessage,
  DeliverPolicy,
  nanos,
  runBatchConsumer,
  traceContextFromHeaders,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type RunningConsumer,
} from '@hookmesh/messaging';
import type { AuditMetrics } from '../metrics';
import { writeAuditRecords } from '../storage/audit-records';
import type { AuditDb } from '../storage/database';
import { writeEvents } from '../storage/event-log';
import { decodeAuditMessage } from './audit-message';
import { createBatchWriter } from './batch-writer';

export interface AuditConsumerOptions {
  db: AuditDb;
  /** Its server's max_payload bounds the dead letters kept. */
  nc: Pick<NatsConnection, 'info'>;
  js: JetStreamClient;
  jsm: JetStreamManager;
  prefix: string;
  log: Logger;
  metrics: AuditMetrics;
  /** Records per transaction (HOOKMESH_AUDIT_BATCH). */
  batchSize: number;
  excerptMax: number;
  /** Longest a partial batch waits before it is written. */
  batchWaitMs?: number;
  /** Redelivery delay of a batch Postgres did not take. */
  retryDelayMs?: number;
  /** How long JetStream waits for an ack before redelivering (must exceed a slow batch write). */
  ackWaitMs?: number;
}

export interface AuditConsumers {
  stop(): Promise<void>;
}

/** Starts both consumers; stop() stops pulling and waits for the batch in flight to settle. */
export function startAuditConsumers(options: AuditConsumerOptions): AuditConsumers {
  const names = natsNames(options.prefix);
  const { db, log, metrics } = options;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  const batchWaitMs = options.batchWaitMs ?? 200;
  const consumerConfig = (durable: string) => ({
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 60_000),
    // Room for a few batches in flight and in the client buffer, no more: an outage should not park the stream in memory.
    max_ack_pending: options.batchSize * 4,
  });

  const deadLettersOf = (source: 'events' | 'audit', consumer: string) =>
    createDeadLetters({ js: options.js, nc: options.nc, names, source, consumer, log, retryDelayMs, onKept: (labels) => metrics.deadLetters.inc(labels) });

  const events: RunningConsumer = runBatchConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: names.streams.events,
    config: consumerConfig(names.consumers.auditEvents),
    log,
    maxBatch: options.batchSize,
    maxWaitMs: batchWaitMs,
    maxMessages: options.batchSize,
    handleBatch: createBatchWriter({
      stream: 'events',
      log,
      metrics,
      deadLetters: deadLettersOf('events', names.consumers.auditEvents),
      retryDelayMs,
      maxRecordsPerWrite: options.batchSize,
      parse: (msg) => {
        const decoded = decodeMessage(EventRecord, msg);
        return decoded.ok
          ? { values: [{ value: decoded.value, parent: traceContextFromHeaders(msg.headers) }], rejected: [] }
          : { values: [], rejected: [{ reason: decoded.reason, problem: decoded.problem }] };
      },
      write: (items) =>
        db.transaction().execute((trx) =>
          writeEvents(
            trx,
            items.map(({ msg, value }) => ({
              record: value,
              streamSeq: msg.seq,
              publishedAt: msg.time.toISOString(),
            })),
          ),
        ),
    }),
  });

  const records: RunningConsumer = runBatchConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: names.streams.audit,
    config: consumerConfig(names.consumers.auditRecords),
    log,
    maxBatch: options.batchSize,
    maxWaitMs: batchWaitMs,
    maxMessages: options.batchSize,
    handleBatch: createBatchWriter({
      stream: 'audit',
      log,
      metrics,
      deadLetters: deadLettersOf('audit', names.consumers.auditRecords),
      retryDelayMs,
      maxRecordsPerWrite: options.batchSize,
      parse: decodeAuditMessage,
      write: (items) =>
        db.transaction().execute((trx) =>
          writeAuditRecords(
            trx,
            items.map((item) => item.value),
            { excerptMax: options.excerptMax },
          ),
        ),
    }),
  });

  log.info({ events: names.consumers.auditEvents, records: names.consumers.auditRecords, batch: options.batchSize }, 'audit consumers started');
  return {
    async stop() {
      await Promise.all([events.stop(), records.stop()]);
    },
  };
}
