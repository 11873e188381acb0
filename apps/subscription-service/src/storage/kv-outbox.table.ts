// Table `kv_outbox`: KV keys whose state changed in Postgres and still has to reach the JetStream KV bucket.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type OutboxKind = 'callback' | 'hold' | 'event_type';

export interface KvOutboxTable {
  id: Generated<number>;
  kind: OutboxKind;
  /** Empty for an event type, which belongs to the installation rather than an account. */
  account: string;
  /** The callback id, or the message type of a hold or an event type. */
  ref: string;
  created_at: ColumnType<Date, never, never>;
}

export type KvOutboxRow = Selectable<KvOutboxTable>;
export type NewKvOutboxRow = Insertable<KvOutboxTable>;
export type KvOutboxUpdate = Updateable<KvOutboxTable>;
