// Why a callback was disabled ("410 Gone", "failing since …", "operator"), kept with the callback for the API.
import type { Kysely } from 'kysely';

/** Adds callbacks.disabled_reason; callbacks disabled before it say nothing about why (null). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('callbacks').addColumn('disabled_reason', 'text').execute();
}

/** Drops it again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('callbacks').dropColumn('disabled_reason').execute();
}
