// Tells "this row can never be stored" apart from "Postgres is not answering right now", for every service that
// maps database errors (a 503 to retry, a 400 for the client's own value, a row to isolate from its batch).

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * True for errors caused by the data itself (SQLSTATE class 22 data exception, 23 integrity violation):
 * retrying the same row fails forever, so it must be isolated rather than retried with its batch.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

// pg and pg-pool report an unreachable server with these system error codes, and pool timeouts and dropped sockets
// only in the message.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
const UNREACHABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection timeout|connection (is )?(closed|ended)|Client has encountered a connection error/i;

/**
 * True when Postgres is unreachable or refusing work for now (no connection, shutdown or restart, overload): retry
 * later. Anything else (a bug, a constraint) is not an outage.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P') || state.startsWith('53');
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return true;
  // Node reports a refused dual-stack connect as an AggregateError of per-address errors.
  return Array.isArray(errors) && errors.some(isPostgresUnavailable);
}

/**
 * True when Postgres refused a value the client sent (SQLSTATE class 22, e.g. a NUL character in a text column or a
 * bad uuid): the input can never be stored, so it is the client's 400, not a 500.
 */
export function isInputDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}
