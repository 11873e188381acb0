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

/**
 * On a WAITING message: the task's not_before in milliseconds since the epoch. JetStream 2.9 cannot hold a message
 * back, so every task stored there is handed out at once and turned back until it is due; the header lets the
 * dispatcher turn it back without decoding the task (a parked or retrying task is handed out at least twice).
 */
export const NOT_BEFORE_HEADER = 'Hookmesh-Not-Before';
