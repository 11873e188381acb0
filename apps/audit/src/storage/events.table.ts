// The event log: every EventRecord read from EVENTS, payload included, once per (account, message_id).
import type { MessageType } from '@hookmesh/contracts';
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface EventsTable {
  account: string;
  message_id: string;
  message_type: MessageType;
  api_version: string;
  /** jsonb: written as JSON text (pg would turn a JS array into a Postgres array), read back parsed. */
  data: ColumnType<unknown, string, string>;
  idempotency_key: string | null;
  ingested_at: ColumnType<Date, string, string>;
  stored_at: Generated<Date>;
}

export type EventRow = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type EventUpdate = Updateable<EventsTable>;
