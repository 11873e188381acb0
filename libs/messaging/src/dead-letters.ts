// Dead letters: a message a consumer must give up on is kept on the DEAD stream (its body as it was, where it came
// from and why in the headers) before it is terminated, so an operator can see it, count it and alert on it.
import { DEAD_LETTER_HEADERS, type DeadLetterReason, type DeadLetterSource, type NatsNames } from '@hookmesh/contracts';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { deadlineIn } from './deadline';

export interface DeadLettersOptions {
  js: JetStreamClient;
  /** Its server's max_payload bounds how much of a body is kept. */
  nc: Pick<NatsConnection, 'info'>;
  names: NatsNames;
  /** The stream the consumer reads. */
  source: DeadLetterSource;
  /** The durable consumer giving up (shown to the operator). */
  consumer: string;
  log: Logger;
  /**
   * Called once per dead letter kept: the service counts them by stream and reason (hookmesh_dead_letters_total), and
   * may tell the operator (the subject it came from and the problem).
   */
  onKept?: (labels: { stream: DeadLetterSource; reason: DeadLetterReason }, detail: { subject: string; problem: string }) => void;
  /** How soon a message comes back when DEAD did not take it. */
  retryDelayMs?: number;
  publishTimeoutMs?: number;
  now?: () => Date;
}

export interface DeadLetters {
  /**
   * Keeps the whole message on DEAD, then terminates it (a bare term(): nats-server 2.9 ignores "+TERM <reason>").
   * When DEAD does not take it, the message is nak-ed to come back later instead: never dropped unseen. Resolves
   * whether it was kept.
   */
  terminate(msg: JsMsg, reason: DeadLetterReason, problem: string): Promise<boolean>;
  /**
   * Keeps one dropped record of a message whose other records were processed (`body` is that record); resolves
   * false when DEAD did not take it, and the caller then lets the whole message come back.
   */
  keepEntry(msg: JsMsg, entry: { index: number; body: Uint8Array }, reason: DeadLetterReason, problem: string): Promise<boolean>;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
// Room for the dead-letter headers and the trace context inside max_payload.
const HEADER_ALLOWANCE_BYTES = 4096;
const PROBLEM_MAX = 500;

/** Header values are one line of printable ASCII. */
function headerValue(text: string, max = PROBLEM_MAX): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

/** Creates the dead-letter keeper of one consumer. */
export function createDeadLetters(options: DeadLettersOptions): DeadLetters {
  const { js, nc, names, source, consumer, log } = options;
  const now = options.now ?? (() => new Date());
  const retryDelayMs = options.retryDelayMs ?? 5_000;

  async function keep(msg: JsMsg, body: Uint8Array, reason: DeadLetterReason, problem: string, entry?: number): Promise<boolean> {
    const limit = (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ALLOWANCE_BYTES;
    const hdrs = natsHeaders();
    hdrs.set(DEAD_LETTER_HEADERS.source, source);
    hdrs.set(DEAD_LETTER_HEADERS.subject, headerValue(msg.subject, 1024));
    hdrs.set(DEAD_LETTER_HEADERS.sequence, String(msg.seq));
    if (entry !== undefined) hdrs.set(DEAD_LETTER_HEADERS.entry, String(entry));
    hdrs.set(DEAD_LETTER_HEADERS.consumer, consumer);
    hdrs.set(DEAD_LETTER_HEADERS.reason, reason);
    hdrs.set(DEAD_LETTER_HEADERS.problem, headerValue(problem) || '(none)');
    hdrs.set(DEAD_LETTER_HEADERS.at, now().toISOString());
    if (body.byteLength > limit) hdrs.set(DEAD_LETTER_HEADERS.originalBytes, String(body.byteLength));
    // One dead letter per consumer and message (and entry): giving up twice after a crash keeps one copy.
    const msgID = `dead:${consumer}:${msg.seq}${entry === undefined ? '' : `:${entry}`}`;
    const deadline = deadlineIn(options.publishTimeoutMs ?? 5_000);
    try {
      await js.publish(names.deadLetterSubject(source), body.byteLength > limit ? body.subarray(0, limit) : body, {
        msgID,
        headers: hdrs,
        timeout: deadline.remainingMs(),
      });
    } catch (error) {
      log.error({ err: error, subject: msg.subject, seq: msg.seq, reason }, 'DEAD did not take the dead letter; the message comes back later');
      return false;
    }
    options.onKept?.({ stream: source, reason }, { subject: msg.subject, problem });
    log.error({ subject: msg.subject, seq: msg.seq, entry, reason, problem, dead_letter_subject: names.deadLetterSubject(source) }, 'message given up; kept on DEAD');
    return true;
  }

  return {
    async terminate(msg, reason, problem) {
      const kept = await keep(msg, msg.data, reason, problem);
      if (kept) msg.term();
      else msg.nak(retryDelayMs);
      return kept;
    },
    keepEntry(msg, entry, reason, problem) {
      return keep(msg, entry.body, reason, problem, entry.index);
    },
  };
}
