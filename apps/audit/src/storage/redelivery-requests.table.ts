// Who asked for each redelivery series, and when.
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface RedeliveryRequestsTable {
  delivery_id: string;
  series: number;
  account: string;
  message_id: string;
  callback_id: string;
  requested_by: string;
  requested_at: ColumnType<Date, string, string>;
}

export type RedeliveryRequestRow = Selectable<RedeliveryRequestsTable>;
export type NewRedeliveryRequest = Insertable<RedeliveryRequestsTable>;
export type RedeliveryRequestUpdate = Updateable<RedeliveryRequestsTable>;
