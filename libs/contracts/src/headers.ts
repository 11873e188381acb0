// Header names of the delivery request a customer endpoint receives.

export const DEFAULT_HEADER_PREFIX = 'X-Hookmesh';
export const DEFAULT_USER_AGENT = 'Hookmesh-Webhook/1.0';

/** Standard Webhooks v1 header names (lower case, as the specification writes them). */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** W3C Trace Context header, sent to the customer and carried on NATS messages. */
export const TRACEPARENT_HEADER = 'traceparent';

/** JetStream's de-duplication header. */
export const NATS_MSG_ID_HEADER = 'Nats-Msg-Id';
