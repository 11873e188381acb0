// Operational events: what an operator is told by webhook about its customers' endpoints. They are events of the
// reserved account, fanned out to the operator's own callbacks (POST /admin/api/v1/operational_callbacks) through the
// same pipeline as every other event: signed, retried, audited.
import { z } from 'zod';
import { newMessageId, type EventRecord } from './messages';
import { AccountName, IsoDateTime, RESERVED_ACCOUNT_NAME } from './primitives';

/** The account operational events and the operator's callbacks belong to; no account route can reach it. */
export const OPERATIONAL_ACCOUNT = RESERVED_ACCOUNT_NAME;

export const OPERATIONAL_EVENT_TYPES = ['callback.disabled', 'callback.circuit_opened', 'callback.circuit_closed', 'delivery.failed', 'dead_letter.added'] as const;
export const OperationalEventType = z.enum(OPERATIONAL_EVENT_TYPES, { error: `each event must be one of: ${OPERATIONAL_EVENT_TYPES.join(', ')}` });
export type OperationalEventType = z.infer<typeof OperationalEventType>;

/** The `data` of every operational event; what does not apply to an event is left out. */
export const OperationalEventData = z.object({
  /** The customer's account the event is about. */
  account: AccountName,
  /** The callback it is about; null for a dead letter that names none. */
  callback_id: z.string().nullable(),
  url: z.string().nullable(),
  message_type: z.string().nullable(),
  delivery_id: z.string().optional(),
  last_status_code: z.number().int().nullable().optional(),
  last_error: z.string().nullable().optional(),
  attempts: z.number().int().nonnegative().optional(),
  /** audit's view of the message (GET with a token of the account): the payload the event is about. */
  message_link: z.string().optional(),
  /** callback.disabled: why ("410 Gone", "failing since …"). */
  reason: z.string().optional(),
  /** callback.circuit_opened: when the next attempt may go. */
  circuit_closes_at: IsoDateTime.optional(),
  /** dead_letter.added: which stream gave the message up, and why. */
  dead_letter: z.object({ stream: z.string(), reason: z.string(), problem: z.string() }).optional(),
  at: IsoDateTime,
});
export type OperationalEventData = z.infer<typeof OperationalEventData>;

/** audit's message view of one customer message, relative to the audit service. */
export function messageLinkOf(account: string, messageId: string): string {
  return `/${account}/api/v1/messages/${encodeURIComponent(messageId)}`;
}

/** Whether an account's events may raise operational events: never the operator's own (that could loop). */
export function raisesOperationalEvents(account: string): boolean {
  return account !== OPERATIONAL_ACCOUNT;
}

/** The EVENTS record of one operational event. */
export function operationalEventRecord(type: OperationalEventType, data: OperationalEventData, now: Date): EventRecord {
  return { message_id: newMessageId(), account: OPERATIONAL_ACCOUNT, message_type: type, api_version: '1.0', data, ingested_at: now.toISOString() };
}

/**
 * Nats-Msg-Id of an operational event: one per transition, so a dispatcher that raises it again after a crash (or two
 * that both saw it) store one.
 */
export function operationalEventMsgId(type: OperationalEventType, data: Pick<OperationalEventData, 'account' | 'callback_id' | 'delivery_id' | 'at'>): string {
  return `op:${type}:${data.account}:${data.callback_id ?? '-'}:${data.delivery_id ?? '-'}:${data.at}`;
}
