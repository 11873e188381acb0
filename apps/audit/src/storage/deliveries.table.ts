// Current state of each delivery (one event for one callback), merged from every audit record about it.
import type { DeliveryStatus, MessageType } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, string, string>;

export interface DeliveriesTable {
  id: string;
  account: string;
  message_id: string;
  callback_id: string;
  message_type: MessageType;
  status: DeliveryStatus;
  /** Highest attempt series seen (0 = fan-out, +1 per redelivery). */
  series: number;
  attempts_count: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  next_attempt_at: ColumnType<Date | null, string | null, string | null>;
  /**
   * The (series, attempt, rank, at) mark of the record that set status and next_attempt_at: a record only
   * replaces them when its mark is higher, so any arrival order converges and an older record never regresses.
   */
  state_series: number;
  state_attempt: number;
  state_rank: number;
  state_at: Timestamp;
  /** (series, attempt) of the attempt that set last_status_code/last_error; (-1, 0) before any attempt. */
  last_attempt_series: number;
  last_attempt_number: number;
}

export type DeliveryRow = Selectable<DeliveriesTable>;
export type NewDelivery = Insertable<DeliveriesTable>;
export type DeliveryUpdate = Updateable<DeliveriesTable>;
