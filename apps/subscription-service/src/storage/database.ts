// The Kysely database type of schema `subscription`.
import type { Kysely, Transaction } from 'kysely';
import type { CallbacksTable } from './callbacks.table';
import type { EventTypesTable } from './event-types.table';
import type { HoldsTable } from './holds.table';
import type { KvOutboxTable } from './kv-outbox.table';
import type { ProfilesTable } from './profiles.table';

export const SUBSCRIPTION_SCHEMA = 'subscription';

export interface SubscriptionDatabase {
  callbacks: CallbacksTable;
  event_types: EventTypesTable;
  holds: HoldsTable;
  kv_outbox: KvOutboxTable;
  profiles: ProfilesTable;
}

/** What repository functions take: the database or a transaction the caller opened. */
export type Db = Kysely<SubscriptionDatabase> | Transaction<SubscriptionDatabase>;
