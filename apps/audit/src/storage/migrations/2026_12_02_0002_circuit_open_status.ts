// A delivery waiting behind its callback's open circuit has its own status, apart from one held by a hold.
import { sql, type Kysely, type Migration } from 'kysely';

export const circuitOpenStatus20261202: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`alter table deliveries drop constraint deliveries_status_check`.execute(db);
    await sql`alter table deliveries add constraint deliveries_status_check check (status in ('pending', 'held', 'circuit_open', 'retrying', 'delivered', 'failed'))`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`update deliveries set status = 'held' where status = 'circuit_open'`.execute(db);
    await sql`alter table deliveries drop constraint deliveries_status_check`.execute(db);
    await sql`alter table deliveries add constraint deliveries_status_check check (status in ('pending', 'held', 'retrying', 'delivered', 'failed'))`.execute(db);
  },
};
