// Dead letters: messages a consumer must give up on (not JSON, breaking the contract, unstorable) are kept on the
// DEAD stream instead of vanishing, with where they came from and why; audit lists them on the operator API.
import { z } from 'zod';
import { IsoDateTime } from './primitives';

/** The stream a dead letter came from, by its logical name (the subject token under `<root>.dead.`). */
export const DEAD_LETTER_SOURCES = ['events', 'deliveries', 'waiting', 'ordered', 'audit', 'control'] as const;
export const DeadLetterSource = z.enum(DEAD_LETTER_SOURCES);
export type DeadLetterSource = z.infer<typeof DeadLetterSource>;

/**
 * Why a consumer gave up: `not_json` (the body does not parse), `breaks_contract` (the message does not match its
 * schema), `unstorable` (audit's Postgres refuses its data, e.g. a NUL character).
 */
export const DEAD_LETTER_REASONS = ['not_json', 'breaks_contract', 'unstorable'] as const;
export const DeadLetterReason = z.enum(DEAD_LETTER_REASONS);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;

/**
 * NATS headers of a message on DEAD; its body is the original body (cut at the server's message limit, in which
 * case `originalBytes` says how long it was).
 */
export const DEAD_LETTER_HEADERS = {
  source: 'Hookmesh-Dead-Source',
  subject: 'Hookmesh-Dead-Subject',
  sequence: 'Hookmesh-Dead-Sequence',
  /** Set when one record of a batch message was dropped (its index) while the rest was processed. */
  entry: 'Hookmesh-Dead-Entry',
  consumer: 'Hookmesh-Dead-Consumer',
  reason: 'Hookmesh-Dead-Reason',
  problem: 'Hookmesh-Dead-Problem',
  at: 'Hookmesh-Dead-At',
  originalBytes: 'Hookmesh-Dead-Original-Bytes',
} as const;

/** Longest payload excerpt a dead letter shows on the operator API. */
export const DEAD_LETTER_EXCERPT_MAX = 4096;
export const MAX_DEAD_LETTERS_PAGE = 100;

export const DeadLetter = z.object({
  /** Sequence on the DEAD stream; pages go from the newest down. */
  seq: z.number().int().positive(),
  dead_at: IsoDateTime,
  stream: DeadLetterSource,
  subject: z.string(),
  /** Sequence of the original message on its stream. */
  stream_seq: z.number().int().nonnegative(),
  /** Index of the dropped record in a batch message; absent when the whole message was given up. */
  entry: z.number().int().nonnegative().optional(),
  consumer: z.string(),
  reason: DeadLetterReason,
  /** What did not fit (paths and messages, never values). */
  problem: z.string(),
  /** Size of the original body in bytes. */
  payload_bytes: z.number().int().nonnegative(),
  /** The start of the original body as text (UTF-8, at most DEAD_LETTER_EXCERPT_MAX characters). */
  payload_excerpt: z.string(),
  /** Whether the excerpt holds less than the whole original body (cut on DEAD past the message limit, or for the excerpt). */
  payload_truncated: z.boolean(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const DeadLettersQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be an integer')
    .min(1, 'limit must be at least 1')
    .max(MAX_DEAD_LETTERS_PAGE, `limit must be at most ${MAX_DEAD_LETTERS_PAGE}`)
    .default(50),
  /** next_cursor of the previous page: the DEAD sequence to continue below. */
  cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'cursor must be a next_cursor this API returned').optional(),
});
export type DeadLettersQuery = z.infer<typeof DeadLettersQuery>;

export const DeadLettersResponse = z.object({ dead_letters: z.array(DeadLetter), next_cursor: z.string().nullable() });
export type DeadLettersResponse = z.infer<typeof DeadLettersResponse>;
