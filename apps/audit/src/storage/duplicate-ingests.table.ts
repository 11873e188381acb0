// One row per repeated ingest request that JetStream deduplicated (reported by event-ingest on AUDIT).
import type { MessageType } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface DuplicateIngestsTable {
  /** The id the repeated request was given; a redelivered or re-published report repeats it. */
  repeat_id: string;
  account: string;
  /** The first event's id, which the repeat was answered with. */
  message_id: string;
  message_type: MessageType;
  idempotency_key: string;
  /** When the repeat arrived: stats count it in that window, retention goes by it. */
  repeated_at: ColumnType<Date, string, string>;
}

export type DuplicateIngestRow = Selectable<DuplicateIngestsTable>;
export type NewDuplicateIngest = Insertable<DuplicateIngestsTable>;
