// Stored rows as the public API shows them (contracts' Delivery, Attempt, IngestedEvent).
import type { Attempt, Delivery, IngestedEvent } from '@hookmesh/contracts';
import type { AttemptRow } from '../storage/attempts.table';
import type { DeliveryRow } from '../storage/deliveries.table';
import type { EventRow } from '../storage/events.table';

/** A delivery row as the API's Delivery (attempts added by the caller when wanted). */
export function deliveryOf(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    message_id: row.message_id,
    callback_id: row.callback_id,
    account: row.account,
    message_type: row.message_type,
    status: row.status,
    series: row.series,
    attempts_count: row.attempts_count,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
  };
}

/** An attempt row as the API's Attempt. */
export function attemptOf(row: AttemptRow): Attempt {
  return {
    attempt: row.attempt,
    series: row.series,
    url: row.url,
    started_at: row.started_at.toISOString(),
    status_code: row.status_code,
    latency_ms: row.latency_ms,
    outcome: row.outcome,
    error_class: row.error_class,
    error_message: row.error_message,
    response_excerpt: row.response_excerpt,
    trace_id: row.trace_id,
  };
}

/** The stored event as ingested. */
export function ingestedEventOf(row: EventRow): IngestedEvent {
  return {
    message_id: row.message_id,
    account: row.account,
    message_type: row.message_type,
    api_version: row.api_version,
    data: row.data,
    idempotency_key: row.idempotency_key,
    ingested_at: row.ingested_at.toISOString(),
  };
}
