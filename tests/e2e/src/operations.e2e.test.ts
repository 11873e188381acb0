// What users and operators rely on, through the four processes and a real receiver, with no trace exporter:
// trace context reaches receivers and the audit log, repeated ingests are answered and counted, and a poison
// message is kept on DEAD, counted and listed for operators.
import { DeadLettersResponse, eventTypes, natsNames } from '@hookmesh/contracts';
import { connectNats, jetstream, type NatsConnection } from '@hookmesh/messaging';
import { adminCall, call, messageDeliveries, postEvent, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';
import pino from 'pino';

const ACCOUNT = 'ops';
const orderData = eventTypes.orderEvent.example.data;

describe('operations end to end', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let nc: NatsConnection;

  beforeAll(async () => {
    receiver = await startReceiver();
    // No otlpEndpoint: this installation exports no spans.
    platform = await startPlatform({ label: 'e2eops' });
    nc = await connectNats({ servers: platform.natsUrl, name: 'e2e-operations', log: pino({ level: 'silent' }) });
  }, 180_000);

  afterAll(async () => {
    await nc?.drain();
    await platform?.stop();
    await receiver?.close();
  });

  it('sends traceparent to the receiver and records the trace id in the audit log, without an exporter', async () => {
    await registerCallbacks(platform, ACCOUNT, [{ url: receiver.url('/traced'), message_type: 'orderEvent' }]);
    const messageId = await postEvent(platform, ACCOUNT, 'orderEvent', orderData);
    await waitFor(() => receiver.requests.some((request) => request.path === '/traced'), { timeoutMs: 30_000, label: 'delivered' });
    const traceparent = String(receiver.requests.find((request) => request.path === '/traced')!.headers['traceparent'] ?? '');
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = traceparent.split('-')[1]!;
    expect(traceId).not.toBe('0'.repeat(32));
    const delivery = await waitFor(async () => (await messageDeliveries(platform, ACCOUNT, messageId)).find((found) => found.status === 'delivered'), {
      timeoutMs: 15_000,
      label: 'audited as delivered',
    });
    const detail = await call<{ attempts: Array<{ trace_id: string | null }> }>(platform, 'audit', ACCOUNT, 'GET', `/deliveries/${delivery.id}`);
    expect(detail.body.attempts.map((attempt) => attempt.trace_id)).toEqual([traceId]);
  });

  it('answers a repeated idempotency key as a replay, refuses it with other data, and counts the replay in /stats', async () => {
    const event = { message_type: 'orderEvent', data: orderData, idempotency_key: 'e2e-order-1' };
    const first = await call<{ message_id: string }>(platform, 'event-ingest', 'dupes', 'POST', '/events', event);
    expect(first.status).toBe(202);
    const again = await call<{ message_id: string }>(platform, 'event-ingest', 'dupes', 'POST', '/events', event);
    expect(again.status).toBe(202);
    expect(again.body.message_id).toBe(first.body.message_id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const changed = await call<{ errors: Array<{ path: string; code: string }> }>(platform, 'event-ingest', 'dupes', 'POST', '/events', {
      ...event,
      data: [{ ...(orderData as Array<Record<string, unknown>>)[0], customer_identifier: 'someone-else' }],
    });
    expect(changed.status).toBe(409);
    expect(changed.body.errors).toEqual([expect.objectContaining({ path: 'idempotency_key', code: 'idempotency_key_reused' })]);

    const stats = await waitFor(
      async () => {
        const answer = await call<{ duplicate_ingests: number; by_message_type: Array<{ message_type: string; events: number; duplicate_ingests: number }> }>(
          platform,
          'audit',
          'dupes',
          'GET',
          `/stats?since=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`,
        );
        return answer.body.duplicate_ingests === 1 ? answer.body : undefined;
      },
      { timeoutMs: 15_000, label: 'the replay counted in /stats' },
    );
    expect(stats.by_message_type).toEqual([expect.objectContaining({ message_type: 'orderEvent', events: 1, duplicate_ingests: 1 })]);
  });

  it('keeps a poison message on DEAD, counts it in the dispatcher and audit metrics, and lists it for operators', async () => {
    const names = natsNames(platform.prefix);
    await jetstream(nc).publish(names.eventSubject(ACCOUNT, 'orderEvent'), new TextEncoder().encode('this is not JSON'), { msgID: 'e2e-poison' });

    const listed = await waitFor(
      async () => {
        const answer = await adminCall<DeadLettersResponse>(platform, 'audit', 'GET', '/dead_letters');
        return answer.status === 200 && answer.body.dead_letters.length >= 2 ? answer.body : undefined;
      },
      { timeoutMs: 15_000, label: 'the poison message on DEAD, from both of its consumers' },
    );
    // EVENTS has two consumers (the fan-out and audit's event log): each gave up on it and says so.
    expect(listed.dead_letters.map((dead) => dead.consumer).sort()).toEqual([names.consumers.auditEvents, names.consumers.dispatcherFanout].sort());
    for (const dead of listed.dead_letters) {
      expect(dead).toMatchObject({ stream: 'events', reason: 'not_json', subject: names.eventSubject(ACCOUNT, 'orderEvent'), payload_excerpt: 'this is not JSON' });
    }
    for (const service of ['dispatcher', 'audit'] as const) {
      const metrics = await (await fetch(`${platform.urls[service]}/metrics`)).text();
      expect(metrics).toContain('hookmesh_dead_letters_total{stream="events",reason="not_json"} 1');
    }
    // An account token does not open the operator API.
    const asAccount = await fetch(`${platform.urls.audit}/admin/api/v1/dead_letters`, { headers: { authorization: `Bearer ${await platform.token(ACCOUNT)}` } });
    expect(asAccount.status).toBe(403);
  });
});
