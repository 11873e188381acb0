// Every HTTP attempt of every delivery, with its capped response excerpt.
import type { AttemptOutcome, ErrorClass, MessageType } from '@hookmesh/contracts';
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface AttemptsTable {
  delivery_id: string;
  series: number;
  attempt: number;
  account: string;
  message_id: string;
  callback_id: string;
  message_type: MessageType;
  url: string;
  started_at: ColumnType<Date, string, string>;
  latency_ms: number;
  status_code: number | null;
  outcome: AttemptOutcome;
  error_class: ErrorClass | null;
  error_message: string | null;
  response_excerpt: string | null;
  next_attempt_at: ColumnType<Date | null, string | null, string | null>;
  trace_id: string | null;
  stored_at: Generated<Date>;
}

export type AttemptRow = Selectable<AttemptsTable>;
export type NewAttempt = Insertable<AttemptsTable>;
export type AttemptUpdate = Updateable<AttemptsTable>;
