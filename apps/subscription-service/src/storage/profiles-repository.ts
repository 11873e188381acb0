// Queries on `profiles`, and on which callbacks use a profile.
import type { Db } from './database';
import type { ProfileRow } from './profiles.table';

/** One profile, or undefined; `forUpdate` locks it for the caller's transaction. */
export async function findProfile(db: Db, name: string, options: { forUpdate?: boolean } = {}): Promise<ProfileRow | undefined> {
  let query = db.selectFrom('profiles').selectAll().where('name', '=', name);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Every operator profile, by name. */
export async function listProfiles(db: Db): Promise<ProfileRow[]> {
  return db.selectFrom('profiles').selectAll().orderBy('name').execute();
}

/** Inserts version 1 or replaces the definition as the next version (one statement, so concurrent PUTs get distinct versions). */
export async function upsertProfile(db: Db, name: string, definition: string, at: Date): Promise<{ row: ProfileRow; created: boolean }> {
  const row = await db
    .insertInto('profiles')
    .values({ name, definition, version: 1, created_at: at, updated_at: at })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({
        definition: eb.ref('excluded.definition'),
        version: eb(eb.ref('profiles.version'), '+', 1),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, created: row.version === 1 };
}

/** Deletes a profile; undefined when it did not exist. */
export async function deleteProfile(db: Db, name: string): Promise<ProfileRow | undefined> {
  return db.deleteFrom('profiles').where('name', '=', name).returningAll().executeTakeFirst();
}

/** How many callbacks (of every account) use a profile. */
export async function countCallbacksUsing(db: Db, name: string): Promise<number> {
  const row = await db.selectFrom('callbacks').select((eb) => eb.fn.countAll<string>().as('count')).where('profile', '=', name).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Every operator profile's name, for reconciling the KV bucket. */
export async function allProfileNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('profiles').select('name').execute();
  return rows.map((row) => row.name);
}
