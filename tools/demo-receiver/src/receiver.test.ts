import { eventTypes, generateSecret, signStandardWebhook } from '@hookmesh/contracts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiverApp, type ReceivedEvent } from './receiver';

describe('demo receiver', () => {
  const secret = generateSecret();
  const received: ReceivedEvent[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = createReceiverApp({ secrets: () => [secret], onEvent: (event) => received.push(event) });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function signed(id: string, body: string, key = secret): Record<string, string> {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets: [key] }),
    };
  }

  const example = eventTypes.orderEvent.example;
  const body = JSON.stringify({ ...example, callback_url: 'http://127.0.0.1/webhook', api_version: '1.0' });

  it('accepts a correctly signed delivery once and works after answering', async () => {
    const first = await fetch(`${url}/webhook`, { method: 'POST', headers: signed('msg_1', body), body });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'ok' });
    const again = await fetch(`${url}/webhook`, { method: 'POST', headers: signed('msg_1', body), body });
    expect(await again.json()).toEqual({ status: 'duplicate' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((event) => event.webhookId)).toEqual(['msg_1']);
    const listed = (await (await fetch(`${url}/events`)).json()) as { events: ReceivedEvent[] };
    expect(listed.events[0]!.messageType).toBe('orderEvent');
  });

  it('refuses a body signed with another secret or changed after signing', async () => {
    const wrongKey = await fetch(`${url}/webhook`, { method: 'POST', headers: signed('msg_2', body, generateSecret()), body });
    expect(wrongKey.status).toBe(401);
    const tampered = await fetch(`${url}/webhook`, { method: 'POST', headers: signed('msg_3', body), body: body.replace('fulfilled', 'canceled') });
    expect(tampered.status).toBe(401);
    expect(received.map((event) => event.webhookId)).not.toContain('msg_3');
  });

  it('learns a secret posted to /secrets, and refuses anything that is not one', async () => {
    const learned: string[] = [];
    const fresh = generateSecret();
    const app = createReceiverApp({ secrets: () => [secret, ...learned], onEvent: () => undefined, learnSecret: (value) => learned.push(value) });
    const other = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/webhook`, { method: 'POST', headers: signed('msg_new', body, fresh), body })).status).toBe(401);
      expect((await fetch(`${base}/secrets`, { method: 'POST', body: 'not-a-secret' })).status).toBe(400);
      expect((await fetch(`${base}/secrets`, { method: 'POST', body: `${fresh}\n` })).status).toBe(201);
      expect((await fetch(`${base}/webhook`, { method: 'POST', headers: signed('msg_new', body, fresh), body })).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
