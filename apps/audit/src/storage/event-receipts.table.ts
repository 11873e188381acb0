// One row per EVENTS stream message (not per event): a second stream copy of a stored event is a duplicate ingest.
import type { MessageType } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface EventReceiptsTable {
  message_id: string;
  /** EVENTS stream sequence; a consumer redelivery repeats it, a duplicate publish does not. */
  stream_seq: number;
  account: string;
  message_type: MessageType;
  /** The record's ingested_at: stats attribute a duplicate to the window of the event it repeats. */
  ingested_at: ColumnType<Date, string, string>;
  /** When JetStream stored this copy (retention goes by it). */
  published_at: ColumnType<Date, string, string>;
}

export type EventReceiptRow = Selectable<EventReceiptsTable>;
export type NewEventReceipt = Insertable<EventReceiptsTable>;
export type EventReceiptUpdate = Updateable<EventReceiptsTable>;
