import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { servicesForThisProcess, TEST_SERVICES_HOW_TO as HOW_TO } from './containers';

export type TestDatabase = {
  /** Connection string of a database created for this test file alone. */
  url: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
};

/**
 * The Postgres server of this test run (a user that may CREATE DATABASE): DATABASE_URL, which the jest preset's
 * globalSetup sets to a container when the environment has none. Test databases are created on it, so a test
 * that puts a proxy in front of its database aims the proxy at this host and port.
 */
export async function testPostgresUrl(): Promise<string> {
  return process.env['DATABASE_URL'] ?? (await servicesForThisProcess()).env.DATABASE_URL;
}

/** Creates a uniquely named database for one test file; fails loudly when no Postgres is reachable. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const admin = await testPostgresUrl();
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
