// Table `kv_outbox`: KV keys whose state changed in Postgres and still has to reach the JetStream KV bucket.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type OutboxKind = 'callback' | 'hold' | 'event_type' | 'profile';

export interface KvOutboxTable {
  id: Generated<number>;
  kind: OutboxKind;
  /** Empty for an event type or a profile, which belong to the installation rather than an account. */
  account: string;
  /** The callback id, the message type of a hold or an event type, or the name of a profile. */
  ref: string;
  created_at: ColumnType<Date, never, never>;
}

export type KvOutboxRow = Selectable<KvOutboxTable>;
export type NewKvOutboxRow = Insertable<KvOutboxTable>;
export type KvOutboxUpdate = Updateable<KvOutboxTable>;
