import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dockerAnswers } from './docker';

export type TestDatabase = {
  /** Connection string of a database created for this test file alone. */
  url: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
};

const HOW_TO = [
  'Integration tests need PostgreSQL. Provide one of:',
  '  - DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (a server where the user may CREATE DATABASE), or',
  '  - a running Docker engine (testcontainers starts postgres:16-alpine).',
].join('\n');

let containerUrl: Promise<string> | undefined;

async function adminUrl(): Promise<string> {
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return fromEnv;
  if (!(await dockerAnswers())) throw new Error(HOW_TO);
  containerUrl ??= (async () => {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return container.getConnectionUri();
  })();
  return containerUrl;
}

/** Creates a uniquely named database for one test file; fails loudly when no Postgres is reachable. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `hm_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`${HOW_TO}\nCould not connect to ${redactUrl(admin)}: ${String(error)}`, { cause: error });
  }
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
