// The delivery path against real NATS JetStream and real local HTTP(S) receivers.
import { DeliveryTask, deliveryIdFor, deliveryTaskMsgId, eventTypes, newMessageId, verifyBodyHmac, type AttemptRecord } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { freePort, waitFor } from '@hookmesh/testing';
import { Webhook } from 'standardwebhooks';
import type { Dispatcher } from './dispatcher';
import {
  attemptsOf,
  auditOf,
  controlOf,
  fanoutIdle,
  createTestCertificates,
  fixedResolver,
  publishEvent,
  putCallback,
  startNatsHarness,
  startReceiver,
  startTestDispatcher,
  type NatsHarness,
  type Receiver,
} from './test-support';

describe('delivery', () => {
  let harness: NatsHarness;
  let dispatcher: Dispatcher;
  let certificates: ReturnType<typeof createTestCertificates>;
  const receivers: Receiver[] = [];
  let accountSeq = 0;
  const account = () => `acct-${(accountSeq += 1)}`;

  async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  }

  async function attemptsSettled(acct: string, count: number): Promise<AttemptRecord[]> {
    return waitFor(
      async () => {
        const attempts = await attemptsOf(harness, acct);
        return attempts.length >= count ? attempts : undefined;
      },
      { timeoutMs: 10_000, label: `${count} attempt records of ${acct}` },
    );
  }

  beforeAll(async () => {
    certificates = createTestCertificates();
    harness = await startNatsHarness('delivery');
    dispatcher = await startTestDispatcher(harness, {
      delivery: { excerptMaxBytes: 64 },
      egress: { extraCa: certificates.ca, resolver: fixedResolver({ localhost: ['127.0.0.1'] }) },
    });
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await Promise.all(receivers.map((r) => r.close()));
    await harness?.close();
    certificates?.cleanup();
  });

  it('POSTs the signed envelope over HTTPS (test CA) with every header; standardwebhooks and the body HMAC verify', async () => {
    const acct = account();
    const endpoint = await receiver(() => ({ status: 200, body: 'accepted' }), certificates);
    const { state, secret } = await putCallback(harness, { account: acct, url: `${endpoint.url}/hooks/orders?src=hm`, plainToken: 'client-verification-token' });
    const event = await publishEvent(harness, acct, 'orderEvent');

    await waitFor(() => endpoint.requests.length === 1, { label: 'one delivery' });
    const request = endpoint.requests[0]!;
    expect(request.path).toBe('/hooks/orders?src=hm');
    expect(request.headers).toMatchObject({
      'user-agent': 'Hookmesh-Webhook/1.0',
      'content-type': 'application/json',
      'x-hookmesh-event': 'orderEvent',
      'x-hookmesh-delivery': deliveryIdFor(event.message_id, state.id),
      'x-hookmesh-attempt': '1',
      'x-hookmesh-callback-id': state.id,
      'webhook-id': event.message_id,
    });
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(JSON.parse(request.body.toString('utf8'))).toEqual({
      callback_url: `${endpoint.url}/hooks/orders?src=hm`,
      message_type: 'orderEvent',
      message_id: event.message_id,
      api_version: '1.0',
      token: 'client-verification-token',
      data: eventTypes.orderEvent.example.data,
    });
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    expect(() => new Webhook(secret).verify(request.body.toString('utf8'), headers)).not.toThrow();
    expect(verifyBodyHmac({ secrets: [secret], body: request.body, signature: headers['x-hookmesh-hmac-sha256']! })).toBe(true);

    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({
      delivery_id: deliveryIdFor(event.message_id, state.id),
      message_id: event.message_id,
      callback_id: state.id,
      account: acct,
      attempt: 1,
      series: 0,
      status_code: 200,
      outcome: 'delivered',
      error_class: null,
      response_excerpt: 'accepted',
      next_attempt_at: null,
      // Attempted straight from the fan-out, the attempt record stands for the delivery's creation too.
      created_at: event.ingested_at,
    });
    const audit = await auditOf(harness, acct);
    expect(audit.filter((record) => record.kind === 'delivery_created')).toHaveLength(0);
  });

  it('signs with both secrets during a rotation: two v1 signatures, each verifies', async () => {
    const acct = account();
    const endpoint = await receiver();
    const newest = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const previous = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
    await putCallback(harness, {
      account: acct,
      url: `${endpoint.url}/rotating`,
      plainSecrets: [{ secret: newest }, { secret: previous, expires_at: new Date(Date.now() + 3_600_000).toISOString() }],
    });
    await publishEvent(harness, acct);
    await waitFor(() => endpoint.requests.length === 1, { label: 'one delivery' });
    const request = endpoint.requests[0]!;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [newest, previous]) expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    // The body HMAC header carries one value per live secret, newest first, so either secret verifies it too.
    const hmacs = headers['x-hookmesh-hmac-sha256']!.split(',');
    expect(hmacs).toHaveLength(2);
    expect(verifyBodyHmac({ secrets: [newest], body: request.body, signature: hmacs[0]! })).toBe(true);
    expect(verifyBodyHmac({ secrets: [previous], body: request.body, signature: hmacs[1]! })).toBe(true);
    expect(verifyBodyHmac({ secrets: [previous], body: request.body, signature: headers['x-hookmesh-hmac-sha256']! })).toBe(true);
  });

  it('retries a 500 on the millisecond schedule until it succeeds, keeping the delivery id', async () => {
    const acct = account();
    const endpoint = await receiver((_request, index) => (index < 2 ? { status: 500, body: 'boom' } : { status: 204 }));
    await putCallback(harness, { account: acct, url: `${endpoint.url}/flaky` });
    await publishEvent(harness, acct);

    const attempts = await attemptsSettled(acct, 3);
    expect(attempts.map((a) => [a.attempt, a.status_code, a.outcome, a.error_class])).toEqual([
      [1, 500, 'retrying', 'http_status'],
      [2, 500, 'retrying', 'http_status'],
      [3, 204, 'delivered', null],
    ]);
    expect(attempts[0]!.next_attempt_at).not.toBeNull();
    expect(attempts[0]!.response_excerpt).toBe('boom');
    expect(endpoint.requests.map((r) => r.headers['x-hookmesh-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(endpoint.requests.map((r) => r.headers['x-hookmesh-delivery'])).size).toBe(1);
    expect(new Set(endpoint.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('fails the delivery after the last attempt of the schedule', async () => {
    const acct = account();
    const endpoint = await receiver(() => ({ status: 503 }));
    await putCallback(harness, { account: acct, url: `${endpoint.url}/down` });
    await publishEvent(harness, acct);

    const attempts = await attemptsSettled(acct, 3);
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'failed'],
    ]);
    expect(attempts[2]!.next_attempt_at).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(endpoint.requests).toHaveLength(3);
  });

  it('does not follow a redirect and records it as a failure of class redirect', async () => {
    const acct = account();
    const target = await receiver();
    const endpoint = await receiver(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
    await putCallback(harness, { account: acct, url: `${endpoint.url}/moved` });
    await publishEvent(harness, acct);

    const attempts = await attemptsSettled(acct, 3);
    expect(attempts.map((a) => [a.status_code, a.error_class, a.outcome])).toEqual([
      [302, 'redirect', 'retrying'],
      [302, 'redirect', 'retrying'],
      [302, 'redirect', 'failed'],
    ]);
    expect(attempts[0]!.error_message).toContain('not followed');
    expect(target.requests).toHaveLength(0);
  });

  it('disables the callback on 410 Gone: fails the delivery, publishes disable_callback on CONTROL, stops delivering at once', async () => {
    const acct = account();
    const endpoint = await receiver(() => ({ status: 410 }));
    const { state } = await putCallback(harness, { account: acct, url: `${endpoint.url}/gone` });
    await publishEvent(harness, acct);

    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({ attempt: 1, status_code: 410, outcome: 'failed', error_class: 'http_status' });
    const commands = await waitFor(async () => {
      const found = await controlOf(harness, acct);
      return found.length > 0 ? found : undefined;
    }, { label: 'control command' });
    expect(commands).toEqual([
      {
        command: 'disable_callback',
        account: acct,
        callback_id: state.id,
        reason: 'endpoint answered 410 Gone',
        cause: 'gone',
        // What the operator's callback.disabled event tells about the attempt that ended it.
        last_attempt: { delivery_id: expect.any(String), message_id: expect.any(String), message_type: 'orderEvent', attempt: 1, status_code: 410, error: 'HTTP 410 Gone: callback disabled' },
        at: expect.any(String),
      },
    ]);

    // The subscription-service has not applied it yet (the KV still says active), but this dispatcher stops now:
    // the next event of that type fans out to nobody.
    expect(dispatcher.view.callback(acct, state.id)?.status).toBe('active');
    await publishEvent(harness, acct);
    await fanoutIdle(harness);
    // No second delivery was made or stored: only the first one's records exist.
    const deliveries = new Set((await auditOf(harness, acct)).flatMap((record) => ('delivery_id' in record ? [record.delivery_id] : [])));
    expect(deliveries.size).toBe(1);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('honours 429 with Retry-After seconds over the shorter schedule', async () => {
    const acct = account();
    const endpoint = await receiver((_request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    await putCallback(harness, { account: acct, url: `${endpoint.url}/busy` });
    await publishEvent(harness, acct);

    const attempts = await attemptsSettled(acct, 2);
    expect(attempts.map((a) => [a.status_code, a.outcome])).toEqual([
      [429, 'retrying'],
      [200, 'delivered'],
    ]);
    const announced = Date.parse(attempts[0]!.next_attempt_at!) - Date.parse(attempts[0]!.started_at);
    expect(announced).toBeGreaterThanOrEqual(1_000);
    expect(endpoint.requests[1]!.at - endpoint.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('times out a hanging endpoint at the callback timeout and retries it', async () => {
    const acct = account();
    const endpoint = await receiver(() => 'hang');
    await putCallback(harness, { account: acct, url: `${endpoint.url}/slow`, timeout_ms: 300 });
    await publishEvent(harness, acct);

    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({ status_code: null, error_class: 'timeout', outcome: 'retrying' });
    expect(attempt!.latency_ms).toBeGreaterThanOrEqual(290);
    expect(attempt!.latency_ms).toBeLessThan(1_500);
  });

  it('classifies a refused connection as connect', async () => {
    const acct = account();
    const closedPort = await freePort();
    await putCallback(harness, { account: acct, url: `http://127.0.0.1:${closedPort}/nobody` });
    await publishEvent(harness, acct);
    const attempts = await attemptsSettled(acct, 3);
    expect(attempts.map((a) => [a.error_class, a.outcome])).toEqual([
      ['connect', 'retrying'],
      ['connect', 'retrying'],
      ['connect', 'failed'],
    ]);
  });

  it('classifies a DNS failure as dns and retries it', async () => {
    const acct = account();
    await putCallback(harness, { account: acct, url: 'https://no-such-host.test/hook' });
    await publishEvent(harness, acct);
    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({ error_class: 'dns', outcome: 'retrying', status_code: null });
    expect(attempt!.error_message).toContain('no-such-host.test');
  });

  it('keeps only the first bytes of a long response as the excerpt', async () => {
    const acct = account();
    const endpoint = await receiver(() => ({ status: 500, body: 'x'.repeat(100_000) }));
    await putCallback(harness, { account: acct, url: `${endpoint.url}/verbose` });
    await publishEvent(harness, acct);
    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt!.response_excerpt).toBe('x'.repeat(64));
  });

  it('settles a task of a deleted callback as failed without sending anything', async () => {
    const acct = account();
    const callbackId = newMessageId();
    const messageId = newMessageId();
    const task: DeliveryTask = {
      delivery_id: deliveryIdFor(messageId, callbackId),
      series: 0,
      attempt: 1,
      account: acct,
      callback_id: callbackId,
      event: { message_id: messageId, message_type: 'orderEvent', api_version: '1.0', data: eventTypes.orderEvent.example.data },
      ingested_at: new Date().toISOString(),
    };
    await publishJson(harness.js, harness.names.deliverySubject(acct, callbackId), task, { msgID: deliveryTaskMsgId(task) });
    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({ outcome: 'failed', status_code: null, error_class: 'other', error_message: 'callback deleted; not attempted', url: '' });
  });

  it('settles a pending retry of a disabled callback as failed (recoverable), not dropped and not sent', async () => {
    const acct = account();
    const endpoint = await receiver(() => ({ status: 500 }));
    const { state } = await putCallback(harness, { account: acct, url: `${endpoint.url}/later-disabled`, status: 'disabled' });
    const messageId = newMessageId();
    const task: DeliveryTask = {
      delivery_id: deliveryIdFor(messageId, state.id),
      series: 0,
      attempt: 2,
      account: acct,
      callback_id: state.id,
      event: { message_id: messageId, message_type: 'orderEvent', api_version: '1.0', data: eventTypes.orderEvent.example.data },
      ingested_at: new Date().toISOString(),
    };
    await publishJson(harness.js, harness.names.deliverySubject(acct, state.id), task, { msgID: deliveryTaskMsgId(task) });
    const [attempt] = await attemptsSettled(acct, 1);
    expect(attempt).toMatchObject({ attempt: 2, outcome: 'failed', status_code: null, error_message: 'callback disabled; not attempted', url: state.url });
    expect(endpoint.requests).toHaveLength(0);
  });
});
