// The exact request a customer endpoint receives (design.md, "The delivery request"): body serialised once, those bytes signed.
import {
  TRACEPARENT_HEADER,
  bodyHmacBase64,
  deliveryEnvelopeOfChecked,
  standardWebhookHeaders,
  type DeliveryHeaderNames,
  type DeliveryTask,
} from '@hookmesh/contracts';
import type { CallbackCredentials } from './credentials';

export interface DeliveryRequestInput {
  task: Pick<DeliveryTask, 'delivery_id' | 'attempt' | 'callback_id' | 'event'>;
  callbackUrl: string;
  credentials: CallbackCredentials;
  headerNames: DeliveryHeaderNames;
  userAgent: string;
  /** The signing time (webhook-timestamp). */
  now: Date;
  /** W3C traceparent of the attempt span, when tracing has a valid context. */
  traceparent: string | undefined;
}

export interface DeliveryRequest {
  /** The raw body bytes; the signatures cover exactly these. */
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Builds the envelope, serialises it once and signs those bytes: the body HMAC with the newest live secret,
 * webhook-signature with one v1 signature per live secret.
 */
export function buildDeliveryRequest(input: DeliveryRequestInput): DeliveryRequest {
  const { task, credentials, headerNames } = input;
  // event-ingest validated the data against its type before storing it; it is not checked again per attempt.
  const envelope = deliveryEnvelopeOfChecked({
    callbackUrl: input.callbackUrl,
    messageType: task.event.message_type,
    messageId: task.event.message_id,
    data: task.event.data,
    token: credentials.token,
  });
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  const newest = credentials.secrets[0];
  if (newest === undefined) throw new Error(`callback ${task.callback_id} has no signing secret`);
  const headers: Record<string, string> = {
    'user-agent': input.userAgent,
    'content-type': 'application/json',
    [headerNames.event]: task.event.message_type,
    [headerNames.delivery]: task.delivery_id,
    [headerNames.attempt]: String(task.attempt),
    [headerNames.callbackId]: task.callback_id,
    [headerNames.hmacSha256]: bodyHmacBase64(newest, body),
    ...standardWebhookHeaders({ id: task.event.message_id, timestamp: input.now, body, secrets: credentials.secrets }),
  };
  if (input.traceparent !== undefined) headers[TRACEPARENT_HEADER] = input.traceparent;
  return { body, headers };
}
