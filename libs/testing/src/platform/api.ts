// Thin typed helpers over the public HTTP APIs: the tests drive the platform only through these.
import { waitFor } from '../wait';
import type { Platform, ServiceName } from './platform';

export type ApiResponse<T> = { status: number; body: T; headers: Headers };

/** Calls a public API route as `account` with a token holding every scope. */
export async function call<T = unknown>(platform: Platform, service: ServiceName, account: string, method: string, route: string, body?: unknown): Promise<ApiResponse<T>> {
  const token = await platform.token(account);
  const response = await fetch(`${platform.api(service, account)}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** Calls an operator route (/admin/api/v1/...) of a service with an admin token. */
export async function adminCall<T = unknown>(platform: Platform, service: ServiceName, method: string, route: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${platform.urls[service]}/admin/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${await platform.adminToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** Registers (or replaces) a message type in the catalog; throws unless it answers 201 or 200. */
export async function registerEventType(
  platform: Platform,
  messageType: string,
  definition: { schema: Record<string, unknown>; example: unknown; description?: string; thin?: Record<string, string>; ordering_key?: string },
): Promise<{ message_type: string; version: number }> {
  const response = await adminCall<{ message_type: string; version: number }>(platform, 'subscription-service', 'PUT', `/event_types/${encodeURIComponent(messageType)}`, definition);
  if (response.status !== 201 && response.status !== 200) throw new Error(`register event type: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export type CreatedCallback = { id: string; url: string; message_type: string; secret: string; status: string; profile: string; signed: boolean };

/** Registers callbacks and returns them with their secrets; throws on anything but 201. */
export async function registerCallbacks(
  platform: Platform,
  account: string,
  items: Array<{
    url: string;
    message_type: string;
    token?: string;
    profile?: string;
    signed?: boolean;
    retry_schedule?: string;
    timeout_ms?: number;
    ordered?: boolean;
    rate_limit?: { per_second: number } | { per_minute: number };
  }>,
): Promise<CreatedCallback[]> {
  const response = await call<{ callbacks: CreatedCallback[] }>(platform, 'subscription-service', account, 'POST', '/callbacks', items.map((item) => ({ api_version: '1.0', ...item })));
  if (response.status !== 201) throw new Error(`register callbacks: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.callbacks;
}

/** Posts one event and returns its message id; throws on anything but 202. */
export async function postEvent(platform: Platform, account: string, messageType: string, data: unknown, idempotencyKey?: string): Promise<string> {
  const response = await call<{ message_id: string }>(platform, 'event-ingest', account, 'POST', '/events', {
    message_type: messageType,
    data,
    ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}),
  });
  if (response.status !== 202) throw new Error(`post event: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.message_id;
}

export type DeliveryView = {
  id: string;
  message_id: string;
  callback_id: string;
  status: string;
  attempts_count: number;
  attempts?: Array<{ attempt: number; series: number; status_code: number | null; outcome: string }>;
};

/** The audit service's view of one message's deliveries. */
export async function messageDeliveries(platform: Platform, account: string, messageId: string): Promise<DeliveryView[]> {
  const response = await call<{ deliveries: DeliveryView[] }>(platform, 'audit', account, 'GET', `/messages/${messageId}`);
  return response.status === 200 ? response.body.deliveries : [];
}

/**
 * Resolves once every dispatcher of the platform holds at least this many callbacks and holds in its subscription
 * view (its /metrics), so an event posted next is fanned out to them; a fixed sleep only makes that likely.
 */
export async function dispatcherViewHolds(platform: Platform, atLeast: { callbacks: number; holds?: number }, timeoutMs = 10_000): Promise<void> {
  const entries = (text: string, kind: string) => Number(new RegExp(`^hookmesh_subscription_view_entries\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? -1);
  await waitFor(
    async () => {
      for (const url of platform.instanceUrls('dispatcher')) {
        const text = await (await fetch(`${url}/metrics`)).text();
        if (entries(text, 'callback') < atLeast.callbacks || entries(text, 'hold') < (atLeast.holds ?? 0)) return false;
      }
      return true;
    },
    { timeoutMs, label: `dispatcher views holding ${atLeast.callbacks} callbacks` },
  );
}
