import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** A decoded message, or why not: `not_json` (the body does not parse) or `breaks_contract` (the schema refuses it). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: 'not_json' | 'breaks_contract'; problem: string };

/** Parses a message's JSON body with a schema; a problem names paths and messages only (values may be customer payload). */
export function decodeMessage<S extends z.ZodType>(schema: S, msg: Pick<JsMsg, 'json'>): Decoded<z.output<S>> {
  let body: unknown;
  try {
    body = msg.json<unknown>();
  } catch {
    return { ok: false, reason: 'not_json', problem: 'body is not JSON' };
  }
  return decodeValue(schema, body);
}

/** Checks an already parsed value (e.g. one entry of a batch) the way decodeMessage checks a body. */
export function decodeValue<S extends z.ZodType>(schema: S, value: unknown): Decoded<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problem = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  return { ok: false, reason: 'breaks_contract', problem: problem.slice(0, 500) };
}

/** Logs and terminates a message that can never be processed, so it is not redelivered forever. */
export function terminateMessage(msg: JsMsg, log: Logger, reason: string, problem: string): void {
  log.error({ subject: msg.subject, seq: msg.seq, problem }, reason);
  // A bare term(): nats-server 2.9 ignores "+TERM <reason>" and would redeliver the message forever.
  msg.term();
}
