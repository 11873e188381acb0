// Table `event_types`: operator-registered message types, one row per name, `version` grown by every PUT.
import type { JsonPointer, ThinMapping } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export interface EventTypesTable {
  message_type: string;
  description: string;
  version: number;
  /** The JSON Schema of the type's `data`, as registered. */
  schema: Json<Record<string, unknown>>;
  example: Json<unknown>;
  thin: ColumnType<ThinMapping | null, string | null, string | null>;
  ordering_key: JsonPointer | null;
  /** Set when the type is archived; a PUT revives it. */
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type EventTypeRow = Selectable<EventTypesTable>;
export type NewEventTypeRow = Insertable<EventTypesTable>;
export type EventTypeUpdate = Updateable<EventTypesTable>;
