// Times a delivery waited without an attempt (type held or circuit open).
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface DeliveryHoldsTable {
  delivery_id: string;
  series: number;
  attempt: number;
  held_at: ColumnType<Date, string, string>;
  account: string;
  callback_id: string;
  reason: 'hold' | 'circuit_open';
  next_attempt_at: ColumnType<Date | null, string | null, string | null>;
}

export type DeliveryHoldRow = Selectable<DeliveryHoldsTable>;
export type NewDeliveryHold = Insertable<DeliveryHoldsTable>;
export type DeliveryHoldUpdate = Updateable<DeliveryHoldsTable>;
