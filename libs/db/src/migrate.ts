import { Kysely, Migrator, sql, type Migration, type MigrationResultSet } from 'kysely';

export type { Migration } from 'kysely';

/**
 * Creates the schema if needed and runs every pending migration, in name order.
 * Migrations are passed in as a record (not read from disk) so bundled builds carry them.
 * Concurrent callers are safe: Kysely takes an advisory lock per schema.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  schema: string,
  migrations: Record<string, Migration>,
): Promise<MigrationResultSet> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two replicas starting together can race on "if not exists"; the loser sees a duplicate.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} of schema ${schema} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
