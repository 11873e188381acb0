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

export interface DeliveryHeaderNames {
  event: string;
  delivery: string;
  attempt: string;
  callbackId: string;
  hmacSha256: string;
}

// RFC 9110 token characters, so the names are valid header field names.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** Names the prefixed delivery headers (`<prefix>-Event`, …); throws for a prefix that is not a valid header token. */
export function deliveryHeaderNames(prefix: string = DEFAULT_HEADER_PREFIX): DeliveryHeaderNames {
  if (!HEADER_TOKEN.test(prefix)) {
    throw new Error(`header prefix ${JSON.stringify(prefix)} is not a valid HTTP header name token (letters, digits, "-", up to 64 characters)`);
  }
  return {
    event: `${prefix}-Event`,
    delivery: `${prefix}-Delivery`,
    attempt: `${prefix}-Attempt`,
    callbackId: `${prefix}-Callback-Id`,
    hmacSha256: `${prefix}-HMAC-SHA256`,
  };
}
