// Audit records leave the dispatcher in batches: one AUDIT message per account per flush instead of one per record.
import { randomUUID } from 'node:crypto';
import { AUDIT_BATCH_MAX_RECORDS, auditBatchEntryJson, auditBatchJson, type AuditRecord, type NatsNames } from '@hookmesh/contracts';
import type { AckedPublisher } from '@hookmesh/messaging';
import { context, propagation } from '@opentelemetry/api';

export interface AuditBatcherOptions {
  js: AckedPublisher;
  names: NatsNames;
  /** How long to wait for the PubAck of one batch. */
  timeoutMs: number;
  /** Records per message (at most AUDIT_BATCH_MAX_RECORDS). */
  maxRecords?: number;
  /** Serialised bytes per message, well under the server's max_payload (1 MiB by default). */
  maxBytes?: number;
  /** Batches awaiting their PubAck at once; while all are out, new records gather into the next batch. */
  maxInFlight?: number;
}

/** Resolves once the record is stored on AUDIT; rejects when its batch could not be stored. */
export type AuditRecordSink = (record: AuditRecord) => Promise<void>;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Queue {
  entries: string[];
  waiters: Waiter[];
}

const encoder = new TextEncoder();

/**
 * Returns the sink the delivery path hands its audit records to. Records queue per account and go out together at
 * the end of the event-loop turn, so every attempt settled in one turn shares a stored message, a consumer delivery
 * and an ack. Under load the in-flight bound makes batches grow by themselves (Nagle's idea): the records of the
 * turns that ran while earlier batches were out travel together, without a timer adding latency when idle.
 * A caller's promise resolves only after its batch's PubAck, so acking a task after it still means "audit stored".
 */
export function createAuditBatcher(options: AuditBatcherOptions): AuditRecordSink {
  const maxRecords = Math.min(options.maxRecords ?? AUDIT_BATCH_MAX_RECORDS, AUDIT_BATCH_MAX_RECORDS);
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const maxInFlight = options.maxInFlight ?? 4;
  const queues = new Map<string, Queue>();
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  function flush(): void {
    scheduled = false;
    for (const [account, queue] of queues) {
      while (queue.entries.length > 0 && inFlight < maxInFlight) publishFrom(account, queue);
      if (queue.entries.length === 0) queues.delete(account);
    }
  }

  function publishFrom(account: string, queue: Queue): void {
    // Cut a batch by count and bytes; one entry always goes, however large.
    let count = 0;
    let bytes = 0;
    while (count < queue.entries.length && count < maxRecords && (count === 0 || bytes + queue.entries[count]!.length <= maxBytes)) {
      bytes += queue.entries[count]!.length;
      count += 1;
    }
    const entries = queue.entries.splice(0, count);
    const waiters = queue.waiters.splice(0, count);
    inFlight += 1;
    const body = encoder.encode(auditBatchJson(entries));
    // The id only guards the client's own retry after "no responders"; the writes behind it are idempotent per record.
    options.js
      .publish(options.names.auditBatchSubject(account), body, { msgID: `batch:${randomUUID()}`, timeout: options.timeoutMs, retries: 3 })
      .then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        inFlight -= 1;
        if (queues.size > 0) schedule();
      });
  }

  return (record) =>
    new Promise<void>((resolve, reject) => {
      // The record's own trace goes with it: the batch carries records of many traces.
      const carrier: { traceparent?: string } = {};
      propagation.inject(context.active(), carrier);
      const entry = auditBatchEntryJson(carrier.traceparent === undefined ? { record } : { record, traceparent: carrier.traceparent });
      let queue = queues.get(record.account);
      if (queue === undefined) {
        queue = { entries: [], waiters: [] };
        queues.set(record.account, queue);
      }
      queue.entries.push(entry);
      queue.waiters.push({ resolve, reject });
      schedule();
    });
}
