// Settles one batch of JetStream messages around a single Postgres transaction: ack after commit, nak on outage.
import type { Logger } from '@hookmesh/logging';
import { terminateMessage, traceContextFromHeaders, type JsMsg } from '@hookmesh/messaging';
import { isSpanContextValid, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import type { AuditMetrics } from '../metrics';
import { isDataError } from '../storage/postgres-errors';

export interface Parsed<T> {
  msg: JsMsg;
  value: T;
}

export interface BatchWriterOptions<T> {
  /** Label for logs and metrics: "events" or "audit". */
  stream: string;
  /** Reads a message; returns an error text (never payload content) when it does not match the contract. */
  parse(msg: JsMsg): { ok: true; value: T } | { ok: false; problem: string };
  /** Writes every item in one transaction; returns rows new and already stored. */
  write(items: ReadonlyArray<Parsed<T>>): Promise<{ inserted: number; alreadyStored: number }>;
  /** How long JetStream waits before redelivering a batch that could not be written. */
  retryDelayMs: number;
  log: Logger;
  metrics: AuditMetrics;
}

const tracer = trace.getTracer('hookmesh-audit');

function linkOf(msg: JsMsg): Link[] {
  const context = trace.getSpanContext(traceContextFromHeaders(msg.headers));
  return context === undefined ? [] : [{ context }];
}

/**
 * One short span per stored message, child of the message's own trace (the event's, via the
 * dispatcher's attempt span): the batch span can only link to many traces, and an operator
 * following one event in Jaeger must see where its audit write ended.
 */
function recordStoredSpans(msgs: readonly JsMsg[], stream: string, startTime: number): void {
  for (const msg of msgs) {
    const parent = traceContextFromHeaders(msg.headers);
    const context = trace.getSpanContext(parent);
    if (context === undefined || !isSpanContextValid(context)) continue;
    tracer.startSpan(`audit store ${stream}`, { kind: SpanKind.CONSUMER, startTime, attributes: { 'messaging.destination.name': stream, 'messaging.message.id': msg.seq } }, parent).end();
  }
}

/**
 * Returns the handleBatch of runBatchConsumer. A message is acked only after the transaction holding its row
 * committed. When Postgres fails, the whole batch is nak-ed with a delay and comes back (nothing lost; the
 * unique keys make the retry write nothing twice). When the data itself is refused, messages are retried one
 * by one so only the unstorable ones are terminated, instead of blocking the stream forever.
 */
export function createBatchWriter<T>(options: BatchWriterOptions<T>): (msgs: JsMsg[]) => Promise<void> {
  const { stream, log, metrics } = options;
  const labels = { stream };

  const terminate = (msg: JsMsg, problem: string): void => {
    metrics.invalidMessages.inc(labels);
    terminateMessage(msg, log, `${stream} message cannot be stored; terminated`, problem);
  };

  const writeAndAck = async (items: ReadonlyArray<Parsed<T>>): Promise<void> => {
    const timer = metrics.batchDuration.startTimer(labels);
    const startTime = Date.now();
    const result = await options.write(items);
    timer();
    recordStoredSpans(items.map((item) => item.msg), stream, startTime);
    for (const { msg } of items) msg.ack();
    metrics.rowsWritten.inc(labels, result.inserted);
    metrics.alreadyStored.inc(labels, result.alreadyStored);
  };

  const retryLater = (items: ReadonlyArray<Parsed<T>>, error: unknown, reason: string): void => {
    metrics.batchFailures.inc({ stream, reason });
    log.warn({ stream, size: items.length, retry_in_ms: options.retryDelayMs, err: error }, 'batch not stored; left for redelivery');
    for (const { msg } of items) msg.nak(options.retryDelayMs);
  };

  return async (msgs) => {
    const items: Array<Parsed<T>> = [];
    for (const msg of msgs) {
      if (msg.redelivered) metrics.redelivered.inc(labels);
      const parsed = options.parse(msg);
      if (parsed.ok) items.push({ msg, value: parsed.value });
      else terminate(msg, parsed.problem);
    }
    if (items.length === 0) return;

    await tracer.startActiveSpan(`audit write ${stream}`, { links: msgs.flatMap(linkOf), attributes: { 'messaging.batch.message_count': items.length } }, async (span) => {
      try {
        await writeAndAck(items);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (!isDataError(error)) {
          retryLater(items, error, 'postgres');
          return;
        }
        // Some row is unstorable: find it by writing one message per transaction.
        for (const [index, item] of items.entries()) {
          try {
            await writeAndAck([item]);
          } catch (single) {
            if (isDataError(single)) {
              terminate(item.msg, single instanceof Error ? single.message : String(single));
            } else {
              retryLater(items.slice(index), single, 'postgres');
              return;
            }
          }
        }
      } finally {
        span.end();
      }
    });
  };
}
