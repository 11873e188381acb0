import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';

export type CreateDatabaseOptions = {
  connectionString: string;
  /** The owning service's schema; every unqualified table name resolves to it. */
  schema: string;
  poolSize?: number;
  /** How long a query may wait for a connection before failing, so an outage surfaces fast. */
  connectionTimeoutMs?: number;
  onQueryError?: (event: LogEvent) => void;
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Postgres returns int8/numeric as strings by default; counts and ids here fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** A Kysely instance over a pg pool whose search_path is the service's own schema. */
export function createDatabase<DB>(options: CreateDatabaseOptions): Kysely<DB> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name "${options.schema}"`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    options: `-c search_path=${options.schema}`,
  });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // The pool listens for errors only while a client is idle: a checked-out client (mid-query or inside a
  // transaction) that loses its server emits 'error' with no listener, an uncaught exception. The query or
  // transaction using it already rejects with that error, so the event itself needs no handling.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'error') options.onQueryError?.(event);
    },
  });
}

/** Resolves when Postgres answers a trivial query within the timeout; rejects otherwise. */
export async function pingDatabase<DB>(db: Kysely<DB>, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`postgres did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
