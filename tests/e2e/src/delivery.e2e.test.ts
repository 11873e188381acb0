// The platform end to end: four service processes, real Postgres and NATS, real HTTP receivers,
// driven only through the public APIs.
import { eventTypes, MESSAGE_TYPES, type BuiltinMessageType } from '@hookmesh/contracts';

import { Webhook } from 'standardwebhooks';
import { call, messageDeliveries, postEvent, registerCallbacks, startOtlpCollector, startPlatform, startReceiver, waitFor, type DeliveryView, type OtlpCollector, type Platform, type TestReceiver } from '@hookmesh/testing';

const ACCOUNT = 'acme';

function exampleData(type: BuiltinMessageType): unknown {
  return (eventTypes[type].example as { data: unknown }).data;
}

function bodyOf(request: { body: string }): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}

describe('Hookmesh end to end', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let collector: OtlpCollector;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    receiver = await startReceiver();
    platform = await startPlatform({ label: 'e2e', otlpEndpoint: collector.endpoint });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    await collector?.close();
  });

  it('delivers every seed example type with the exact envelope and headers, verifiable with standardwebhooks, and audits it as delivered', async () => {
    const callbacks = await registerCallbacks(
      platform,
      ACCOUNT,
      MESSAGE_TYPES.map((type) => ({ url: receiver.url(`/types/${type}`), message_type: type, token: `token-${type}` })),
    );
    const byType = new Map(callbacks.map((callback) => [callback.message_type, callback]));
    const messageIds = new Map<string, BuiltinMessageType>();
    for (const type of MESSAGE_TYPES) messageIds.set(await postEvent(platform, ACCOUNT, type, exampleData(type)), type);

    await waitFor(() => receiver.requests.filter((r) => r.path.startsWith('/types/')).length >= MESSAGE_TYPES.length, {
      timeoutMs: 30_000,
      label: 'one delivery per message type',
    });
    const requests = receiver.requests.filter((r) => r.path.startsWith('/types/'));
    expect(requests).toHaveLength(MESSAGE_TYPES.length);

    for (const request of requests) {
      const envelope = bodyOf(request);
      const type = envelope['message_type'] as BuiltinMessageType;
      const callback = byType.get(type)!;
      expect(messageIds.get(envelope['message_id'] as string)).toBe(type);
      expect(envelope).toEqual({
        callback_url: receiver.url(`/types/${type}`),
        message_type: type,
        message_id: envelope['message_id'],
        api_version: '1.0',
        token: `token-${type}`,
        data: exampleData(type),
      });
      expect(request.headers['user-agent']).toBe('Hookmesh-Webhook/1.0');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-hookmesh-event']).toBe(type);
      expect(request.headers['x-hookmesh-attempt']).toBe('1');
      expect(request.headers['x-hookmesh-callback-id']).toBe(callback.id);
      expect(request.headers['x-hookmesh-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(request.headers['webhook-id']).toBe(envelope['message_id']);
      expect(request.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      const verified = new Webhook(callback.secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
      expect(verified).toEqual(envelope);
    }

    for (const [messageId] of messageIds) {
      const deliveries = await waitFor(
        async () => {
          const found = await messageDeliveries(platform, ACCOUNT, messageId);
          return found.length === 1 && found[0]!.status === 'delivered' ? found : undefined;
        },
        { timeoutMs: 15_000, label: `audit shows ${messageId} delivered` },
      );
      expect(deliveries[0]!.attempts_count).toBe(1);
    }
  });

  it('records three attempts for a receiver that fails twice, and fails then redelivers for one that always fails', async () => {
    let flakyCalls = 0;
    let brokenFixed = false;
    receiver.setBehaviour((request) => {
      if (request.path === '/flaky') return { status: ++flakyCalls <= 2 ? 500 : 200 };
      if (request.path === '/broken') return { status: brokenFixed ? 200 : 503 };
      return { status: 200 };
    });
    const [flaky, broken] = await registerCallbacks(platform, 'retries', [
      { url: receiver.url('/flaky'), message_type: 'orderEvent' },
      { url: receiver.url('/broken'), message_type: 'rmaEvent' },
    ]);
    const flakyMessage = await postEvent(platform, 'retries', 'orderEvent', exampleData('orderEvent'));
    const brokenMessage = await postEvent(platform, 'retries', 'rmaEvent', exampleData('rmaEvent'));

    const flakyDelivery = await waitFor(
      async () => (await messageDeliveries(platform, 'retries', flakyMessage)).find((d) => d.status === 'delivered'),
      { timeoutMs: 30_000, label: 'flaky delivered' },
    );
    const detail = await call<DeliveryView>(platform, 'audit', 'retries', 'GET', `/deliveries/${flakyDelivery.id}`);
    expect(detail.body.attempts!.map((a) => [a.attempt, a.status_code, a.outcome])).toEqual([
      [1, 500, 'retrying'],
      [2, 500, 'retrying'],
      [3, 200, 'delivered'],
    ]);
    expect(flakyDelivery.callback_id).toBe(flaky!.id);

    const failed = await waitFor(
      async () => (await messageDeliveries(platform, 'retries', brokenMessage)).find((d) => d.status === 'failed'),
      { timeoutMs: 30_000, label: 'broken failed after the last attempt' },
    );
    expect(failed.attempts_count).toBe(3);
    expect(failed.callback_id).toBe(broken!.id);

    brokenFixed = true;
    const redeliver = await call(platform, 'audit', 'retries', 'POST', `/deliveries/${failed.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    await waitFor(async () => (await messageDeliveries(platform, 'retries', brokenMessage)).find((d) => d.status === 'delivered'), {
      timeoutMs: 30_000,
      label: 'redelivered',
    });
    const brokenRequests = receiver.requests.filter((r) => r.path === '/broken');
    // The redelivery starts a new series at attempt 1, and says which redelivery it is.
    expect(brokenRequests.at(-1)!.headers['x-hookmesh-attempt']).toBe('1');
    expect(brokenRequests.at(-1)!.headers['x-hookmesh-redelivery']).toBe('1');
    expect(brokenRequests.slice(0, -1).every((r) => r.headers['x-hookmesh-redelivery'] === undefined)).toBe(true);
    expect(new Set(brokenRequests.map((r) => r.headers['x-hookmesh-delivery'])).size).toBe(1);
  });

  it("says each callback's health: a 410 disables with its reason, a run of failures opens the circuit and parks the rest", async () => {
    receiver.setBehaviour((request) => {
      if (request.path === '/gone') return { status: 410 };
      if (request.path === '/down') return { status: 500 };
      return { status: 200 };
    });
    const [gone, down] = await registerCallbacks(platform, 'health', [
      { url: receiver.url('/gone'), message_type: 'shipmentEvent' },
      { url: receiver.url('/down'), message_type: 'orderEvent' },
    ]);
    const listed = async () => (await call<{ callbacks: Array<Record<string, unknown>> }>(platform, 'subscription-service', 'health', 'GET', '/callbacks')).body.callbacks;
    const healthOf = async (id: string) => (await listed()).find((callback) => callback['id'] === id)!;
    expect((await healthOf(down!.id))['health']).toBe('healthy');

    await postEvent(platform, 'health', 'shipmentEvent', exampleData('shipmentEvent'));
    await waitFor(async () => (await healthOf(gone!.id))['status'] === 'disabled', { timeoutMs: 30_000, label: 'disabled after its 410' });
    expect(await healthOf(gone!.id)).toMatchObject({ status: 'disabled', health: 'disabled', disabled_reason: '410 Gone' });

    // Three attempts each (0,200ms,400ms): the fifth failure in a row opens the circuit (HOOKMESH_CIRCUIT_THRESHOLD 5).
    const first = await postEvent(platform, 'health', 'orderEvent', exampleData('orderEvent'));
    await waitFor(async () => (await messageDeliveries(platform, 'health', first)).some((d) => d.status === 'failed'), { timeoutMs: 30_000, label: 'first failed' });
    await waitFor(async () => (await healthOf(down!.id))['health'] === 'failing', { timeoutMs: 5_000, label: 'failing' });
    expect(await healthOf(down!.id)).toMatchObject({ health: 'failing', health_detail: { consecutive_failures: 3, last_status_code: 500 } });
    await postEvent(platform, 'health', 'orderEvent', exampleData('orderEvent'));
    const open = await waitFor(async () => {
      const callback = await healthOf(down!.id);
      return callback['health'] === 'circuit_open' ? callback : undefined;
    }, { timeoutMs: 30_000, label: 'circuit open' });
    const detail = open['health_detail'] as { circuit_closes_at: string; failing_since: string };
    expect(Date.parse(detail.circuit_closes_at)).toBeGreaterThan(Date.now());
    const parked = await postEvent(platform, 'health', 'orderEvent', exampleData('orderEvent'));
    const waiting = await waitFor(async () => (await messageDeliveries(platform, 'health', parked)).find((d) => d.status === 'circuit_open'), { timeoutMs: 30_000, label: 'parked on the open circuit' });
    expect(waiting.attempts_count).toBe(0);
  });

  it('holds deliveries of one type only, and delivers all of them on release', async () => {
    receiver.setBehaviour(() => ({ status: 200 }));
    await registerCallbacks(platform, 'holds', [
      { url: receiver.url('/held/orders'), message_type: 'orderEvent' },
      { url: receiver.url('/held/inventory'), message_type: 'skuInventoryChange' },
    ]);
    const hold = await call(platform, 'subscription-service', 'holds', 'POST', '/callback_holds', { message_type: 'orderEvent', reason: 'ERP maintenance' });
    expect(hold.status).toBe(201);
    // The hold must reach the dispatcher before the events do.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const held = await Promise.all([1, 2, 3].map(() => postEvent(platform, 'holds', 'orderEvent', exampleData('orderEvent'))));
    const flowing = await postEvent(platform, 'holds', 'skuInventoryChange', exampleData('skuInventoryChange'));
    await waitFor(() => receiver.requests.some((r) => r.path === '/held/inventory' && bodyOf(r)['message_id'] === flowing), {
      timeoutMs: 15_000,
      label: 'the other type flows',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.filter((r) => r.path === '/held/orders')).toHaveLength(0);

    const release = await call(platform, 'subscription-service', 'holds', 'DELETE', '/callback_holds/orderEvent');
    expect(release.status).toBe(200);
    await waitFor(() => receiver.requests.filter((r) => r.path === '/held/orders').length >= 3, { timeoutMs: 20_000, label: 'held deliveries flow after release' });
    expect(new Set(receiver.requests.filter((r) => r.path === '/held/orders').map((r) => bodyOf(r)['message_id']))).toEqual(new Set(held));
    for (const messageId of held) {
      const [delivery] = await messageDeliveries(platform, 'holds', messageId);
      expect(delivery?.attempts_count ?? 0).toBeLessThanOrEqual(1);
    }
  });

  it('stops delivering to a deleted callback and delivers the example of /test', async () => {
    const [kept, removed] = await registerCallbacks(platform, 'lifecycle', [
      { url: receiver.url('/life/kept'), message_type: 'shipmentEvent' },
      { url: receiver.url('/life/removed'), message_type: 'shipmentEvent' },
    ]);
    const deleted = await call<{ deleted: string[]; not_found: string[] }>(platform, 'subscription-service', 'lifecycle', 'DELETE', '/callbacks', [removed!.id]);
    expect(deleted.body).toEqual({ deleted: [removed!.id], not_found: [] });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const messageId = await postEvent(platform, 'lifecycle', 'shipmentEvent', exampleData('shipmentEvent'));
    await waitFor(() => receiver.requests.some((r) => r.path === '/life/kept' && bodyOf(r)['message_id'] === messageId), { timeoutMs: 15_000, label: 'kept callback receives' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.requests.filter((r) => r.path === '/life/removed')).toHaveLength(0);

    const test = await call<{ message_id: string }>(platform, 'subscription-service', 'lifecycle', 'POST', `/callbacks/${kept!.id}/test`);
    expect(test.status).toBe(202);
    const arrived = await waitFor(() => receiver.requests.find((r) => r.path === '/life/kept' && bodyOf(r)['message_id'] === test.body.message_id), {
      timeoutMs: 15_000,
      label: 'test event arrives',
    });
    expect(bodyOf(arrived)['data']).toEqual(exampleData('shipmentEvent'));
  });

  it('keeps one trace from ingest through fan-out and every attempt to the audit write, across the processes', async () => {
    receiver.setBehaviour((request, count) => ({ status: request.path === '/traced' && count === 1 ? 500 : 200 }));
    await registerCallbacks(platform, 'traced', [{ url: receiver.url('/traced'), message_type: 'qualityEvent' }]);
    const messageId = await postEvent(platform, 'traced', 'qualityEvent', exampleData('qualityEvent'));
    await waitFor(async () => (await messageDeliveries(platform, 'traced', messageId)).find((d) => d.status === 'delivered'), { timeoutMs: 30_000, label: 'traced delivered' });

    const deliveredRequest = receiver.requests.filter((r) => r.path === '/traced').at(-1)!;
    const traceId = String(deliveredRequest.headers['traceparent']).split('-')[1]!;
    const spans = await waitFor(
      () => {
        const inTrace = collector.spans.filter((span) => span.traceId === traceId);
        const services = new Set(inTrace.map((span) => span.service));
        return services.has('event-ingest') && services.has('dispatcher') && services.has('audit') && inTrace.filter((span) => span.attributes['hookmesh.attempt'] !== undefined).length >= 2 ? inTrace : undefined;
      },
      { timeoutMs: 20_000, label: 'spans of ingest, dispatcher and audit in one trace' },
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestry = (span: (typeof spans)[number]) => {
      const chain: string[] = [];
      for (let current: (typeof spans)[number] | undefined = span; current; current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined) {
        chain.push(current.service);
      }
      return chain;
    };
    const attempts = spans.filter((span) => span.attributes['hookmesh.attempt'] !== undefined);
    expect(attempts.map((span) => span.attributes['hookmesh.attempt']).sort()).toEqual([1, 2]);
    for (const attempt of attempts) {
      // attempt → (retry task) → fan-out → ingest: the chain ends in event-ingest's request span.
      const chain = ancestry(attempt);
      expect(chain[0]).toBe('dispatcher');
      expect(chain.at(-1)).toBe('event-ingest');
    }
    // The request span at the root is named after its route (libs/http sets it; no express instrumentation).
    const ingestRoots = spans.filter((span) => span.service === 'event-ingest' && span.parentSpanId === undefined);
    expect(ingestRoots.map((span) => [span.name, span.attributes['http.route']])).toEqual([['POST /:account/api/v1/events', '/:account/api/v1/events']]);
    const auditSpans = spans.filter((span) => span.service === 'audit');
    expect(auditSpans.length).toBeGreaterThan(0);
    expect(auditSpans.some((span) => ancestry(span).includes('dispatcher'))).toBe(true);
    // Every process exported to the collector (the subscription-service's own requests form their own traces).
    expect(new Set(collector.spans.map((span) => span.service))).toEqual(new Set(['subscription-service', 'event-ingest', 'dispatcher', 'audit']));
  });
});
