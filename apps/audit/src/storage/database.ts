// The audit schema as Kysely sees it.
import type { Kysely, Transaction } from 'kysely';
import type { AttemptsTable } from './attempts.table';
import type { DeliveriesTable } from './deliveries.table';
import type { DeliveryHoldsTable } from './delivery-holds.table';
import type { DuplicateIngestsTable } from './duplicate-ingests.table';
import type { EventReceiptsTable } from './event-receipts.table';
import type { EventsTable } from './events.table';
import type { RedeliveryRequestsTable } from './redelivery-requests.table';

/** The Postgres schema audit owns; no other service reads it. */
export const AUDIT_SCHEMA = 'audit';

export interface AuditDatabase {
  events: EventsTable;
  event_receipts: EventReceiptsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  delivery_holds: DeliveryHoldsTable;
  redelivery_requests: RedeliveryRequestsTable;
  duplicate_ingests: DuplicateIngestsTable;
}

export type AuditDb = Kysely<AuditDatabase>;
/** A connection or an open transaction: repositories take either, the caller decides the transaction. */
export type AuditExecutor = Kysely<AuditDatabase> | Transaction<AuditDatabase>;
