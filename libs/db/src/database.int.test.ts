import { createTestDatabase, freePort, type TestDatabase } from '@hookmesh/testing';
import { sql, type Generated, type Kysely } from 'kysely';
import { createDatabase, migrateToLatest, pingDatabase, type Migration } from './index';

type Db = { widgets: { id: Generated<number>; name: string } };

const migrations: Record<string, Migration> = {
  '2026_11_24_0001_widgets': {
    async up(db) {
      await db.schema
        .createTable('widgets')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

describe('createDatabase + migrateToLatest', () => {
  let testDb: TestDatabase;
  let db: Kysely<Db>;

  beforeAll(async () => {
    testDb = await createTestDatabase('dblib');
    db = createDatabase<Db>({ connectionString: testDb.url, schema: 'widget_service' });
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  it('creates the schema, runs pending migrations once and puts tables in the service schema', async () => {
    const first = await migrateToLatest(db as Kysely<unknown>, 'widget_service', migrations);
    expect(first.results?.map((r) => r.status)).toEqual(['Success']);
    const second = await migrateToLatest(db as Kysely<unknown>, 'widget_service', migrations);
    expect(second.results).toEqual([]);

    await db.insertInto('widgets').values({ name: 'a' }).execute();
    const rows = await sql<{ table_schema: string }>`
      select table_schema from information_schema.tables where table_name = 'widgets'`.execute(db);
    expect(rows.rows.map((r) => r.table_schema)).toEqual(['widget_service']);
    const widgets = await db.selectFrom('widgets').selectAll().execute();
    expect(widgets).toEqual([{ id: 1, name: 'a' }]);
  });

  it('runs concurrent migrators without applying a migration twice', async () => {
    const other = createDatabase<unknown>({ connectionString: testDb.url, schema: 'second_service' });
    const third = createDatabase<unknown>({ connectionString: testDb.url, schema: 'second_service' });
    const results = await Promise.all([
      migrateToLatest(other, 'second_service', migrations),
      migrateToLatest(third, 'second_service', migrations),
    ]);
    expect(results.flatMap((r) => r.results ?? []).filter((r) => r.status === 'Success')).toHaveLength(1);
    await other.destroy();
    await third.destroy();
  });

  it('pings a live database and fails fast for an unreachable one', async () => {
    await expect(pingDatabase(db as Kysely<unknown>)).resolves.toBeUndefined();
    const port = await freePort();
    const dead = createDatabase<unknown>({
      connectionString: `postgres://postgres@127.0.0.1:${port}/nothing`,
      schema: 'x',
      connectionTimeoutMs: 500,
    });
    await expect(pingDatabase(dead, 1_000)).rejects.toThrow();
    await dead.destroy();
  });
});
