// The AUDIT records of the delivery path, built from a task and what happened to it.
import type { AttemptRecord, AttemptOutcome, DeliveryCreatedRecord, DeliveryHeldRecord, DeliveryTask, ErrorClass } from '@hookmesh/contracts';

function identity(task: DeliveryTask) {
  return {
    delivery_id: task.delivery_id,
    message_id: task.event.message_id,
    account: task.account,
    callback_id: task.callback_id,
    message_type: task.event.message_type,
    series: task.series,
  };
}

export interface AttemptFacts {
  url: string;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  outcome: AttemptOutcome;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: Date | null;
  traceId: string | null;
  /** When the delivery came to be, for the first record of a delivery attempted straight from the fan-out. */
  createdAt?: Date | null;
}

/** The `attempt` record of one attempt (also of a delivery settled without sending, status_code null). */
export function attemptRecord(task: DeliveryTask, facts: AttemptFacts): AttemptRecord {
  return {
    kind: 'attempt',
    ...identity(task),
    attempt: task.attempt,
    url: facts.url,
    started_at: facts.startedAt.toISOString(),
    latency_ms: Math.max(0, facts.latencyMs),
    status_code: facts.statusCode,
    outcome: facts.outcome,
    error_class: facts.errorClass,
    error_message: facts.errorMessage,
    response_excerpt: facts.responseExcerpt,
    next_attempt_at: facts.nextAttemptAt?.toISOString() ?? null,
    trace_id: facts.traceId,
    ...(facts.createdAt == null ? {} : { created_at: facts.createdAt.toISOString() }),
  };
}

/** The `delivery_created` record of a delivery stored as a task rather than attempted at once. */
export function createdRecord(task: DeliveryTask, createdAt: Date, traceId: string | null): DeliveryCreatedRecord {
  return { kind: 'delivery_created', ...identity(task), created_at: createdAt.toISOString(), trace_id: traceId };
}

/** The `delivery_held` record of a delivery that starts waiting on a hold or an open circuit. */
export function heldRecord(task: DeliveryTask, reason: DeliveryHeldRecord['reason'], heldAt: Date, nextCheckAt: Date | null): DeliveryHeldRecord {
  return {
    kind: 'delivery_held',
    ...identity(task),
    attempt: task.attempt,
    reason,
    held_at: heldAt.toISOString(),
    next_attempt_at: nextCheckAt?.toISOString() ?? null,
  };
}
