// Settles batches of JetStream messages around Postgres transactions: ack after commit, nak on outage, and what can
// never be stored kept on DEAD.
import type { DeadLetterReason } from '@hookmesh/contracts';
import type { Logger } from '@hookmesh/logging';
import { encodeJson, type DeadLetters, type JsMsg } from '@hookmesh/messaging';
import { isSpanContextValid, SpanKind, SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';
import type { AuditMetrics } from '../metrics';
import { isDataError } from '@hookmesh/db';

/** One record read from a message, with the trace context it was produced in. */
export interface Parsed<T> {
  msg: JsMsg;
  value: T;
  parent: Context;
  /** Its index among a batch message's entries; absent for a single-record message. */
  entry?: number;
}

/** A part of a message that does not fit: the whole message (no entry), or one entry of a batch (its index and body). */
export interface Rejected {
  reason: DeadLetterReason;
  /** Paths and messages, never payload content. */
  problem: string;
  entry?: { index: number; body: unknown };
}

/** What one message holds: its records (one, or a batch's), and every part that does not fit. */
export interface ParsedMessage<T> {
  values: Array<{ value: T; parent: Context; entry?: number }>;
  rejected: Rejected[];
}

export interface BatchWriterOptions<T> {
  /** Label for logs and metrics: "events" or "audit". */
  stream: string;
  /** Reads a message into its records. */
  parse(msg: JsMsg): ParsedMessage<T>;
  /** Writes every item in one transaction; returns rows new and already stored. */
  write(items: ReadonlyArray<Parsed<T>>): Promise<{ inserted: number; alreadyStored: number }>;
  /** Most records per transaction; a message's records are never split across two. */
  maxRecordsPerWrite: number;
  /** How long JetStream waits before redelivering a batch that could not be written. */
  retryDelayMs: number;
  log: Logger;
  metrics: AuditMetrics;
  /** Keeps what can never be stored (a message, or one entry of a batch) before it is given up. */
  deadLetters: DeadLetters;
}

/** The records of one message: the message is acked once all of them are stored (or found unstorable). */
export interface MessageItems<T> {
  msg: JsMsg;
  items: Array<Parsed<T>>;
}

const tracer = trace.getTracer('hookmesh-audit');

function linkOf(parent: Context): Link[] {
  const context = trace.getSpanContext(parent);
  return context === undefined || !isSpanContextValid(context) ? [] : [{ context }];
}

/**
 * One short span per stored record, child of the record's own trace (the event's, via the dispatcher's attempt
 * span): the batch span can only link to many traces, and an operator following one event in Jaeger must see
 * where its audit write ended.
 */
function recordStoredSpans<T>(items: ReadonlyArray<Parsed<T>>, stream: string, startTime: number): void {
  for (const { msg, parent } of items) {
    if (linkOf(parent).length === 0) continue;
    tracer.startSpan(`audit store ${stream}`, { kind: SpanKind.CONSUMER, startTime, attributes: { 'messaging.destination.name': stream, 'messaging.message.id': msg.seq } }, parent).end();
  }
}

/** Splits messages into groups of at most `max` records, keeping each message's records together. */
export function chunksOf<T>(messages: ReadonlyArray<MessageItems<T>>, max: number): Array<Array<MessageItems<T>>> {
  const chunks: Array<Array<MessageItems<T>>> = [];
  let current: Array<MessageItems<T>> = [];
  let size = 0;
  for (const message of messages) {
    if (current.length > 0 && size + message.items.length > max) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += message.items.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Returns the handleBatch of runBatchConsumer. A message is acked only after the transaction holding its rows
 * committed. When Postgres fails, the messages not yet stored are nak-ed with a delay and come back (nothing lost;
 * the unique keys make the retry write nothing twice). When the data itself is refused, records are retried one
 * by one so only the unstorable ones are dropped (logged and counted), instead of blocking the stream forever.
 */
export function createBatchWriter<T>(options: BatchWriterOptions<T>): (msgs: JsMsg[]) => Promise<void> {
  const { stream, log, metrics, deadLetters } = options;
  const labels = { stream };

  /** Gives up the whole message: kept on DEAD and terminated (or, when DEAD does not take it, offered again later). */
  const giveUp = async (msg: JsMsg, reason: DeadLetterReason, problem: string): Promise<void> => {
    metrics.invalidMessages.inc(labels);
    await deadLetters.terminate(msg, reason, problem);
  };

  /** Keeps one entry that cannot be stored on DEAD; false when DEAD did not take it (the message must come back). */
  const dropEntry = async (msg: JsMsg, index: number, body: unknown, reason: DeadLetterReason, problem: string): Promise<boolean> => {
    metrics.invalidMessages.inc(labels);
    return deadLetters.keepEntry(msg, { index, body: encodeJson(body) }, reason, problem);
  };

  const write = async (items: ReadonlyArray<Parsed<T>>): Promise<void> => {
    const timer = metrics.batchDuration.startTimer(labels);
    const startTime = Date.now();
    const result = await options.write(items);
    timer();
    recordStoredSpans(items, stream, startTime);
    metrics.rowsWritten.inc(labels, result.inserted);
    metrics.alreadyStored.inc(labels, result.alreadyStored);
  };

  const retryLater = (messages: ReadonlyArray<MessageItems<T>>, error: unknown, reason: string): void => {
    metrics.batchFailures.inc({ stream, reason });
    log.warn({ stream, size: messages.length, retry_in_ms: options.retryDelayMs, err: error }, 'batch not stored; left for redelivery');
    for (const { msg } of messages) msg.nak(options.retryDelayMs);
  };

  /** Writes one chunk; false when Postgres is out and the rest should wait for redelivery too. */
  const writeChunk = async (chunk: ReadonlyArray<MessageItems<T>>, later: ReadonlyArray<MessageItems<T>>): Promise<boolean> => {
    try {
      await write(chunk.flatMap((message) => message.items));
      for (const { msg } of chunk) msg.ack();
      return true;
    } catch (error) {
      if (!isDataError(error)) {
        retryLater([...chunk, ...later], error, 'postgres');
        return false;
      }
    }
    // Some record is unstorable: find it by writing one record per transaction.
    for (const [index, message] of chunk.entries()) {
      const unstorable: Array<{ item: Parsed<T>; problem: string }> = [];
      for (const item of message.items) {
        try {
          await write([item]);
        } catch (single) {
          if (!isDataError(single)) {
            retryLater([...chunk.slice(index), ...later], single, 'postgres');
            return false;
          }
          unstorable.push({ item, problem: single instanceof Error ? single.message : String(single) });
        }
      }
      if (unstorable.length === message.items.length && message.items.every((item) => item.entry === undefined)) {
        // Nothing of it can be stored: given up, like a message that breaks the contract.
        await giveUp(message.msg, 'unstorable', unstorable.map(({ problem }) => problem).join('; '));
        continue;
      }
      let kept = true;
      for (const { item, problem } of unstorable) kept = (await dropEntry(message.msg, item.entry ?? 0, item.value, 'unstorable', problem)) && kept;
      // What was stored stays stored (the writes are idempotent); a dead letter DEAD did not take brings the message back.
      if (kept) message.msg.ack();
      else message.msg.nak(options.retryDelayMs);
    }
    return true;
  };

  return async (msgs) => {
    const messages: Array<MessageItems<T>> = [];
    for (const msg of msgs) {
      if (msg.redelivered) metrics.redelivered.inc(labels);
      const parsed = options.parse(msg);
      if (parsed.values.length === 0) {
        const reason = parsed.rejected.find((part) => part.entry === undefined)?.reason ?? parsed.rejected[0]?.reason ?? 'breaks_contract';
        await giveUp(msg, reason, parsed.rejected.map((part) => part.problem).join('; ') || 'no records');
        continue;
      }
      let kept = true;
      for (const part of parsed.rejected) {
        kept = (await dropEntry(msg, part.entry?.index ?? 0, part.entry?.body ?? null, part.reason, part.problem)) && kept;
      }
      if (!kept) {
        // Not written now: the message comes back, and its good records are written then.
        msg.nak(options.retryDelayMs);
        continue;
      }
      messages.push({ msg, items: parsed.values.map(({ value, parent, entry }) => ({ msg, value, parent, ...(entry === undefined ? {} : { entry }) })) });
    }
    if (messages.length === 0) return;

    await tracer.startActiveSpan(
      `audit write ${stream}`,
      { links: messages.flatMap((message) => message.items.flatMap((item) => linkOf(item.parent))), attributes: { 'messaging.batch.message_count': messages.length } },
      async (span) => {
        try {
          const chunks = chunksOf(messages, options.maxRecordsPerWrite);
          for (const [index, chunk] of chunks.entries()) {
            if (!(await writeChunk(chunk, chunks.slice(index + 1).flat()))) {
              span.setStatus({ code: SpanStatusCode.ERROR });
              return;
            }
          }
        } finally {
          span.end();
        }
      },
    );
  };
}
