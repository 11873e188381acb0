// Tells "this row can never be stored" apart from "Postgres is not answering right now".

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

/** True when Postgres is unreachable or refusing work for now (no connection, shutdown, overload): retry later. */
export function isPostgresUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P') || state.startsWith('53');
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  // node-postgres reports pool timeouts and dropped sockets only in the message.
  return /timeout exceeded when trying to connect|Connection terminated|connection (is )?(closed|ended)|Client has encountered a connection error/i.test(message);
}

/** True when Postgres refused a value the client sent (SQLSTATE class 22, e.g. a NUL character in a text filter). */
export function isInputDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}
