// Which wire profiles a request names, resolved once: built-in ones from the contracts, the operator's from Postgres.
import { isBuiltinProfile, type InstallationNaming, type WireProfile } from '@hookmesh/contracts';
import { resolveProfile } from '../domain/profiles';
import type { Db } from '../storage/database';
import type { ProfileRow } from '../storage/profiles.table';

/**
 * The profiles called `names` (undefined for a name that is neither built in nor the operator's). `lock` takes a
 * share lock on the operator's rows for the caller's transaction, so a concurrent DELETE of a profile waits for a
 * callback moving to it (and then finds it in use).
 */
export async function resolveProfiles(db: Db, names: Iterable<string>, naming: InstallationNaming, options: { lock?: boolean } = {}): Promise<Map<string, WireProfile | undefined>> {
  const unique = [...new Set(names)];
  const custom = unique.filter((name) => !isBuiltinProfile(name));
  let rows: ProfileRow[] = [];
  if (custom.length > 0) {
    let query = db.selectFrom('profiles').selectAll().where('name', 'in', custom);
    if (options.lock) query = query.forShare();
    rows = await query.execute();
  }
  const byName = new Map(rows.map((row) => [row.name, row]));
  return new Map(unique.map((name) => [name, resolveProfile(name, byName.get(name), naming)]));
}
