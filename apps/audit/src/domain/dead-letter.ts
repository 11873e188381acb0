// A message kept on DEAD, as the operator API shows it: where it came from, why, and the start of its body.
import { DEAD_LETTER_EXCERPT_MAX, DEAD_LETTER_HEADERS, DeadLetterReason, DeadLetterSource, type DeadLetter } from '@hookmesh/contracts';

/** What a DEAD message carries (a StoredMsg's fields). */
export interface StoredDeadLetter {
  seq: number;
  time: Date;
  data: Uint8Array;
  header: { get(name: string): string };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function wholeNumber(text: string): number | undefined {
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

/** The operator's view of one DEAD message, or undefined for a message that is no dead letter (not written by us). */
export function deadLetterOf(stored: StoredDeadLetter): DeadLetter | undefined {
  const get = (name: string): string => stored.header.get(name);
  const stream = DeadLetterSource.safeParse(get(DEAD_LETTER_HEADERS.source));
  const reason = DeadLetterReason.safeParse(get(DEAD_LETTER_HEADERS.reason));
  const streamSeq = wholeNumber(get(DEAD_LETTER_HEADERS.sequence));
  if (!stream.success || !reason.success || streamSeq === undefined) return undefined;
  const entry = wholeNumber(get(DEAD_LETTER_HEADERS.entry));
  const originalBytes = wholeNumber(get(DEAD_LETTER_HEADERS.originalBytes));
  const at = Date.parse(get(DEAD_LETTER_HEADERS.at));
  // Four bytes per character at most: decoding this much is enough for the excerpt and no more.
  const text = decoder.decode(stored.data.subarray(0, DEAD_LETTER_EXCERPT_MAX * 4));
  const excerpt = text.slice(0, DEAD_LETTER_EXCERPT_MAX);
  const payloadBytes = originalBytes ?? stored.data.byteLength;
  return {
    seq: stored.seq,
    dead_at: new Date(Number.isNaN(at) ? stored.time.getTime() : at).toISOString(),
    stream: stream.data,
    subject: get(DEAD_LETTER_HEADERS.subject),
    stream_seq: streamSeq,
    ...(entry === undefined ? {} : { entry }),
    consumer: get(DEAD_LETTER_HEADERS.consumer),
    reason: reason.data,
    problem: get(DEAD_LETTER_HEADERS.problem),
    payload_bytes: payloadBytes,
    payload_excerpt: excerpt,
    payload_truncated: new TextEncoder().encode(excerpt).byteLength < payloadBytes,
  };
}
