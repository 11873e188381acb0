// Internal NATS messages (docs/architecture.md): what travels on EVENTS, DELIVERIES, AUDIT, CONTROL and the KV bucket.
import { parse as uuidParse, v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { JsonPointer, MessageType, ThinMapping } from './events';
import { OrderingKey, RateLimit } from './delivery-controls';
import { ProfileName, WireProfile } from './profiles';
import { AccountName, ApiVersion, AttemptOutcome, CallbackStatus, ErrorClass, IsoDateTime, NonEmptyString } from './primitives';

/** Fixed namespace of delivery ids; changing it would rename every delivery, so never do. */
export const DELIVERY_ID_NAMESPACE = '6f1d8a4e-3c2b-5e7f-9a1d-2b4c6e8f0a13';

// Parsed once: uuid parses a string namespace on every call, which showed in the fan-out's profile.
const DELIVERY_ID_NAMESPACE_BYTES = uuidParse(DELIVERY_ID_NAMESPACE);

/** The delivery id of one event for one callback: UUIDv5, the same on every run of the fan-out. */
export function deliveryIdFor(messageId: string, callbackId: string): string {
  return uuidv5(`${messageId}:${callbackId}`, DELIVERY_ID_NAMESPACE_BYTES);
}

/** A fresh, time-ordered message id (UUIDv7). */
export function newMessageId(): string {
  return uuidv7();
}

const base64url = /^[A-Za-z0-9_-]*$/;

/** A secret or token encrypted with AES-256-GCM (see sealing.ts); every part is base64url. */
export const Sealed = z.strictObject({
  kid: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'kid must be 1-32 characters of letters, digits, "_", "." or "-"'),
  iv: z.string().regex(base64url, 'iv must be base64url').length(16, 'iv must be 12 bytes (16 base64url characters)'),
  tag: z.string().regex(base64url, 'tag must be base64url').length(22, 'tag must be 16 bytes (22 base64url characters)'),
  ct: z.string().regex(base64url, 'ct must be base64url'),
});
export type Sealed = z.infer<typeof Sealed>;

/**
 * `data` is checked against its message type at the edges (ingest, envelope build), not on internal hops,
 * so a rolling upgrade that widens a schema cannot strand events already stored.
 */
export const EventRecord = z.object({
  message_id: NonEmptyString,
  account: AccountName,
  message_type: MessageType,
  api_version: ApiVersion,
  data: z.unknown(),
  idempotency_key: z.string().optional(),
  ingested_at: IsoDateTime,
  /** Set by POST /callbacks/{id}/test: the fan-out delivers to this callback only, not to every subscriber. */
  target_callback_id: z.string().optional(),
  /** The producer's ordering_key, else the value at its type's ordering_key pointer; the subject carries its token. */
  ordering_key: OrderingKey.optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;

/** Nats-Msg-Id of an EventRecord: the account-scoped idempotency key when given, else the message id. */
export function eventMsgId(record: Pick<EventRecord, 'account' | 'message_id' | 'idempotency_key'>): string {
  return record.idempotency_key === undefined ? record.message_id : `idem:${record.account}:${record.idempotency_key}`;
}

export const DeliveryTaskEvent = z.object({
  message_id: NonEmptyString,
  message_type: MessageType,
  api_version: ApiVersion,
  data: z.unknown(),
});
export type DeliveryTaskEvent = z.infer<typeof DeliveryTaskEvent>;

/** One attempt to make of one delivery. URL, token and secrets are looked up at attempt time, so they are not here. */
export const DeliveryTask = z.object({
  delivery_id: z.uuid(),
  /** 0 for the fan-out; each redelivery from audit starts the next series at attempt 1. */
  series: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  /** Earliest time to attempt; the dispatcher naks with the remaining delay until then. */
  not_before: IsoDateTime.optional(),
  account: AccountName,
  callback_id: NonEmptyString,
  event: DeliveryTaskEvent,
  ingested_at: IsoDateTime,
  /** Who asked for a redelivery (a JWT subject or "recover"); absent for the fan-out and its retries. */
  requested_by: z.string().optional(),
  /**
   * The wait this task was last announced in (a held type, an open circuit): a task re-checked while it waits is
   * not announced again, whichever dispatcher re-checks it. Cleared once it is attempted.
   */
  waiting: z.enum(['hold', 'circuit_open']).optional(),
  /** Delivered in this order among the callback's deliveries of the same key (ordered callbacks). */
  ordering_key: z.string().max(128).optional(),
  /** Its number among the (callback, key)'s ordered deliveries, from 1: the profile's sequence header. */
  sequence: z.number().int().positive().optional(),
});
export type DeliveryTask = z.infer<typeof DeliveryTask>;

/** The stored event a delivery task carries: what every builder of a task (fan-out, ordered lane, redelivery) reads. */
export interface TaskEventSource {
  message_id: string;
  account: string;
  message_type: DeliveryTaskEvent['message_type'];
  api_version: DeliveryTaskEvent['api_version'];
  data: unknown;
  ingested_at: string;
}

/**
 * The one way to make a DeliveryTask of an event for a callback: its deterministic delivery id, the event as stored
 * (its own api_version), attempt 1 of `series` unless told otherwise. The fan-out, the ordered lanes and audit's
 * redelivery all build tasks here, so a field added to the task is added for all of them.
 */
export function deliveryTaskOf(
  event: TaskEventSource,
  callbackId: string,
  options: Partial<Pick<DeliveryTask, 'attempt' | 'not_before' | 'requested_by' | 'waiting' | 'ordering_key' | 'sequence'>> & { series: number },
): DeliveryTask {
  const { series, attempt = 1, ...optional } = options;
  const task: DeliveryTask = {
    delivery_id: deliveryIdFor(event.message_id, callbackId),
    series,
    attempt,
    account: event.account,
    callback_id: callbackId,
    event: { message_id: event.message_id, message_type: event.message_type, api_version: event.api_version, data: event.data },
    ingested_at: event.ingested_at,
  };
  for (const [field, value] of Object.entries(optional)) if (value !== undefined) Object.assign(task, { [field]: value });
  return task;
}

/**
 * ORDERED message: "the (callback, key) has an event to deliver in order". The events themselves stay on EVENTS,
 * read in stream order by subject; this only wakes a worker, so at most one per (callback, key) is kept.
 */
export const OrderedWake = z.object({
  account: AccountName,
  callback_id: NonEmptyString,
  /** The callback's type: with the key it names the EVENTS subject its ordered events are on. */
  message_type: MessageType,
  ordering_key: OrderingKey,
  /** The EVENTS sequence of the event that woke it: done once the (callback, key)'s cursor is at or past it. */
  event_seq: z.number().int().positive(),
});
export type OrderedWake = z.infer<typeof OrderedWake>;

/** The head of a (callback, key): the event being delivered now, and where its delivery stands. */
export const OrderedHead = z.object({
  event_seq: z.number().int().positive(),
  sequence: z.number().int().positive(),
  attempt: z.number().int().positive(),
  not_before: IsoDateTime.optional(),
  waiting: z.enum(['hold', 'circuit_open']).optional(),
});
export type OrderedHead = z.infer<typeof OrderedHead>;

/** KV value per (callback, key) in the ordering bucket: how far its ordered deliveries got, and who works on it. */
export const OrderingState = z.object({
  /** EVENTS sequence of the last event settled (delivered or finally failed). */
  cursor: z.number().int().nonnegative(),
  /** Sequence number of the last settled delivery (the next one gets sequence + 1). */
  sequence: z.number().int().nonnegative(),
  head: OrderedHead.nullable(),
  /** The one worker delivering this key now, until its lease ends (renewed while it works). */
  lease: z.object({ owner: z.string(), until: IsoDateTime }).nullable(),
  updated_at: IsoDateTime,
});
export type OrderingState = z.infer<typeof OrderingState>;

/**
 * Nats-Msg-Id of a DeliveryTask: `<message_id>:<callback_id>` for the fan-out (series 0, attempt 1) so a re-run
 * fan-out is deduplicated; `<delivery_id>:<series>:<attempt>` for every retry and redelivery, which must not be.
 */
export function deliveryTaskMsgId(task: Pick<DeliveryTask, 'delivery_id' | 'series' | 'attempt' | 'callback_id' | 'event'>): string {
  return task.series === 0 && task.attempt === 1 ? `${task.event.message_id}:${task.callback_id}` : `${task.delivery_id}:${task.series}:${task.attempt}`;
}

const auditIdentity = {
  delivery_id: z.uuid(),
  message_id: NonEmptyString,
  account: AccountName,
  callback_id: NonEmptyString,
  message_type: MessageType,
  series: z.number().int().nonnegative(),
};

export const DeliveryCreatedRecord = z.object({
  kind: z.literal('delivery_created'),
  ...auditIdentity,
  created_at: IsoDateTime,
  trace_id: z.string().nullable().optional(),
});
export type DeliveryCreatedRecord = z.infer<typeof DeliveryCreatedRecord>;

/** Every HTTP attempt, whatever its outcome (also an attempt refused before sending, e.g. ssrf_blocked). */
export const AttemptRecord = z.object({
  kind: z.literal('attempt'),
  ...auditIdentity,
  attempt: z.number().int().positive(),
  url: z.string(),
  started_at: IsoDateTime,
  latency_ms: z.number().nonnegative(),
  status_code: z.number().int().nullable(),
  outcome: AttemptOutcome,
  error_class: ErrorClass.nullable(),
  error_message: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  /** When the next attempt is due (outcome retrying), else null. */
  next_attempt_at: IsoDateTime.nullable(),
  trace_id: z.string().nullable(),
  /**
   * When the delivery came to be, on the first attempt of a delivery attempted straight from the fan-out: that
   * attempt record stands for its delivery_created record too (one record per delivery instead of two).
   */
  created_at: IsoDateTime.optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecord>;

/** A delivery waits without an attempt: its type is held, or its callback's circuit is open. */
export const DeliveryHeldRecord = z.object({
  kind: z.literal('delivery_held'),
  ...auditIdentity,
  attempt: z.number().int().positive(),
  reason: z.enum(['hold', 'circuit_open']),
  held_at: IsoDateTime,
  next_attempt_at: IsoDateTime.nullable(),
});
export type DeliveryHeldRecord = z.infer<typeof DeliveryHeldRecord>;

export const RedeliveryRequestedRecord = z.object({
  kind: z.literal('redelivery_requested'),
  ...auditIdentity,
  requested_by: NonEmptyString,
  requested_at: IsoDateTime,
});
export type RedeliveryRequestedRecord = z.infer<typeof RedeliveryRequestedRecord>;

/**
 * event-ingest → audit: a request repeated an idempotency_key with the same event, JetStream stored nothing new,
 * and the producer got the first message_id again. Audit counts these for `duplicate_ingests` in /stats: the
 * repeat never reaches EVENTS, so this record is the only trace of it.
 */
export const DuplicateIngestRecord = z.object({
  kind: z.literal('duplicate_ingest'),
  account: AccountName,
  /** The first event's id, which the repeat was answered with. */
  message_id: NonEmptyString,
  message_type: MessageType,
  idempotency_key: z.string(),
  /** The id the repeated request was given before JetStream named it a repeat: one per repeated request. */
  repeat_id: NonEmptyString,
  repeated_at: IsoDateTime,
});
export type DuplicateIngestRecord = z.infer<typeof DuplicateIngestRecord>;

/** The records that describe one delivery (audit folds them into its delivery row). */
export const DeliveryAuditRecord = z.discriminatedUnion('kind', [DeliveryCreatedRecord, AttemptRecord, DeliveryHeldRecord, RedeliveryRequestedRecord]);
export type DeliveryAuditRecord = z.infer<typeof DeliveryAuditRecord>;

export const AuditRecord = z.discriminatedUnion('kind', [DeliveryCreatedRecord, AttemptRecord, DeliveryHeldRecord, RedeliveryRequestedRecord, DuplicateIngestRecord]);
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AUDIT_KINDS = ['delivery_created', 'attempt', 'delivery_held', 'redelivery_requested', 'duplicate_ingest'] as const satisfies readonly AuditRecord['kind'][];
export const AuditKind = z.enum(AUDIT_KINDS);
export type AuditKind = z.infer<typeof AuditKind>;

/** Most records one AUDIT batch message carries: bounds the message size and the audit writer's transaction. */
export const AUDIT_BATCH_MAX_RECORDS = 100;

/** W3C traceparent (version 00), as the propagator writes it. */
const Traceparent = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/**
 * One record of a batch with the trace context it was produced in: a batch mixes records of many traces, so the
 * message headers cannot carry it. `record` is checked one by one on arrival (see AuditBatchEnvelope).
 */
export const AuditBatchEntry = z.object({ record: AuditRecord, traceparent: Traceparent.optional() });
export type AuditBatchEntry = z.infer<typeof AuditBatchEntry>;

/**
 * Several records of one account in one AUDIT message (subject `<root>.audit.<account>.batch`). The dispatcher
 * writes an attempt's records this way: one stored message, one consumer delivery and one ack per batch instead
 * of per record was the largest saving in the end-to-end benchmark (docs/benchmarks.md). Audit's writes are
 * idempotent per record, so a batch needs no per-record Nats-Msg-Id.
 */
export const AuditBatch = z.object({ kind: z.literal('batch'), entries: z.array(AuditBatchEntry).min(1).max(AUDIT_BATCH_MAX_RECORDS) });
export type AuditBatch = z.infer<typeof AuditBatch>;

/**
 * The outer shape of a batch, with each record left unchecked: a reader checks entries one by one with
 * AuditRecord, so one record that does not fit costs that record, not its ninety-nine neighbours.
 */
export const AuditBatchEnvelope = z.object({
  kind: z.literal('batch'),
  entries: z.array(z.object({ record: z.unknown(), traceparent: z.string().optional() })).min(1).max(AUDIT_BATCH_MAX_RECORDS),
});

/** One batch entry as JSON: a writer encodes each entry once, as it is queued, and joins them with auditBatchJson. */
export function auditBatchEntryJson(entry: AuditBatchEntry): string {
  return JSON.stringify(entry.traceparent === undefined ? { record: entry.record } : { record: entry.record, traceparent: entry.traceparent });
}

/** An AUDIT batch message of entries already encoded by auditBatchEntryJson; AuditBatch (AuditMessage) reads it. */
export function auditBatchJson(entries: readonly string[]): string {
  return `{"kind":"batch","entries":[${entries.join(',')}]}`;
}

/** Anything on AUDIT: a single record (audit's own redelivery requests, older dispatchers) or a batch. */
export const AuditMessage = z.union([AuditBatch, AuditRecord]);
export type AuditMessage = z.infer<typeof AuditMessage>;

/** The records an AUDIT message carries, in order. */
export function auditRecordsOf(message: AuditMessage): AuditRecord[] {
  return message.kind === 'batch' ? message.entries.map((entry) => entry.record) : [message];
}

/** Nats-Msg-Id of an AuditRecord, so a re-published record after a crash is stored once. */
export function auditMsgId(record: AuditRecord): string {
  switch (record.kind) {
    case 'delivery_created':
      return `${record.delivery_id}:created`;
    case 'attempt':
      return `${record.delivery_id}:${record.series}:${record.attempt}:attempt`;
    case 'delivery_held':
      return `${record.delivery_id}:${record.series}:${record.attempt}:held:${record.held_at}`;
    case 'redelivery_requested':
      return `${record.delivery_id}:${record.series}:redelivery`;
    case 'duplicate_ingest':
      return `${record.repeat_id}:duplicate_ingest`;
  }
}

/** Why a callback was disabled: its endpoint answered 410 Gone, it failed without a break for too long, or an operator said so. */
export const DisableCause = z.enum(['gone', 'failing', 'operator']);
export type DisableCause = z.infer<typeof DisableCause>;

export const DisableCallbackCommand = z.object({
  command: z.literal('disable_callback'),
  account: AccountName,
  callback_id: NonEmptyString,
  reason: z.string(),
  /** Absent in commands of dispatchers from before causes were typed: read as `failing`. */
  cause: DisableCause.optional(),
  /** When the unbroken failure began (cause `failing`). */
  failing_since: IsoDateTime.optional(),
  /** The attempt that made the dispatcher give up on the callback, for the operator's callback.disabled event. */
  last_attempt: z
    .object({
      delivery_id: z.uuid(),
      message_id: NonEmptyString,
      message_type: MessageType,
      attempt: z.number().int().positive(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
    })
    .optional(),
  at: IsoDateTime,
});
export type DisableCallbackCommand = z.infer<typeof DisableCallbackCommand>;

/** Dispatcher → subscription-service commands on CONTROL; a union so commands can be added. */
export const ControlCommand = z.discriminatedUnion('command', [DisableCallbackCommand]);
export type ControlCommand = z.infer<typeof ControlCommand>;

export const CONTROL_COMMANDS = ['disable_callback'] as const satisfies readonly ControlCommand['command'][];

export const SealedSecretEntry = z.object({
  secret: Sealed,
  /** How the HMAC key is read from the secret: base64 of a `whsec_` secret, or the UTF-8 of a `plain` one. */
  format: z.enum(['whsec', 'plain']).optional(),
  /** When this secret stops signing (the previous one during rotation); absent for the current secret. */
  expires_at: IsoDateTime.optional(),
});
export type SealedSecretEntry = z.infer<typeof SealedSecretEntry>;

/** KV value under `cb.<account>.<id>`: everything the dispatcher needs to deliver to a callback. */
export const CallbackState = z.object({
  id: NonEmptyString,
  account: AccountName,
  url: z.string(),
  message_type: MessageType,
  api_version: ApiVersion,
  status: CallbackStatus,
  token: Sealed.optional(),
  /** Newest first; every unexpired entry signs during a rotation overlap. */
  secrets: z.array(SealedSecretEntry).min(1, 'a callback has at least one secret'),
  timeout_ms: z.number().int().positive().optional(),
  /** The wire profile; states written before profiles existed deliver in `standard`. */
  profile: ProfileName.default('standard'),
  /** False: no signature header at all (profiles whose signing is optional). */
  signed: z.boolean().default(true),
  /** The callback's own retry schedule ("0,5m,5m"), when set. */
  retry_schedule: z.string().optional(),
  /**
   * Deliveries of one ordering key go in ingest order. Fixed at creation, and only for events stored on EVENTS from
   * `ordered_from_seq` on, so the fan-out and the ordered workers always agree on which events are ordered.
   */
  ordered: z.boolean().optional(),
  ordered_from_seq: z.number().int().positive().optional(),
  rate_limit: RateLimit.optional(),
  /** An operational callback receives several types: every one of them (message_type is the first). */
  message_types: z.array(MessageType).min(1).optional(),
  updated_at: IsoDateTime,
});
export type CallbackState = z.infer<typeof CallbackState>;

/** KV value under `profile.<name>`: an operator's wire profile (the four built-in ones are not in the bucket). */
export const ProfileState = z.object({
  name: ProfileName,
  version: z.number().int().positive(),
  profile: WireProfile,
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type ProfileState = z.infer<typeof ProfileState>;

/** KV value under `hold.<account>.<message_type>`; deleting the key releases the hold. */
export const HoldState = z.object({
  account: AccountName,
  message_type: MessageType,
  reason: z.string().nullable(),
  created_at: IsoDateTime,
  expires_at: IsoDateTime.nullable(),
});
export type HoldState = z.infer<typeof HoldState>;

/**
 * KV value under `type.<message type token>`: an operator-registered message type, as event-ingest validates and the
 * dispatcher maps it. The nine built-in types are not in the bucket: every process has them from this library.
 */
export const EventTypeState = z.object({
  message_type: MessageType,
  description: z.string(),
  version: z.number().int().positive(),
  schema: z.record(z.string(), z.unknown()),
  example: z.unknown(),
  thin: ThinMapping.optional(),
  ordering_key: JsonPointer.optional(),
  archived: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type EventTypeState = z.infer<typeof EventTypeState>;

/**
 * KV value under `cb.<account>.<callback_id>` of the circuits bucket: a callback whose attempts are failing, shared
 * by every dispatcher replica and kept across restarts. A callback without a key is healthy.
 */
export const CircuitRecord = z.object({
  account: AccountName,
  callback_id: NonEmptyString,
  /** Failed attempts in a row. */
  consecutive_failures: z.number().int().positive(),
  /** When the unbroken run of failures began. */
  failing_since: IsoDateTime,
  /** Set while the circuit is open: deliveries wait (not attempted) until closes_at, then one probe goes. */
  opened_at: IsoDateTime.nullable(),
  closes_at: IsoDateTime.nullable(),
  /** Set while one probe is out after a cool-down, so the other replicas keep waiting. */
  probe_started_at: IsoDateTime.nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  updated_at: IsoDateTime,
});
export type CircuitRecord = z.infer<typeof CircuitRecord>;

/** KV value under the throttles bucket: a dispatcher held back deliveries of this callback at its rate limit. */
export const ThrottleRecord = z.object({
  account: AccountName,
  callback_id: NonEmptyString,
  /** When the dispatcher last held one back (the record expires a few seconds after the last). */
  at: IsoDateTime,
});
export type ThrottleRecord = z.infer<typeof ThrottleRecord>;
