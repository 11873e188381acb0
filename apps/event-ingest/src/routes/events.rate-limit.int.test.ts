// The ingest rate limit counts events per account and is shared by every ingest replica on one NATS: two apps here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventTypes } from '@hookmesh/contracts';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import { signDevToken } from '@hookmesh/http';
import { TEST_JWT_SECRET, startTestIngest, type TestIngest } from '../test-support';

const event = () => ({ message_type: 'orderEvent', data: structuredClone(eventTypes.orderEvent.example.data) });
const batch = (size: number) => Array.from({ length: size }, event);

describe('ingest rate limit: events per account, across replicas', () => {
  let nats: TestNats;
  let first: TestIngest;
  let second: TestIngest;

  beforeAll(async () => {
    nats = await createTestNats('ingestlimit');
    // 50 events of burst and one more every 5 s: however slow the machine, a test step refills nothing it relies on.
    const limits = { eventsPerSecond: 0.2, eventsBurst: 50, requestsPerSecond: 1_000, requestsBurst: 1_000 };
    first = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix, rateLimits: limits });
    second = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix, rateLimits: limits });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await nats?.cleanup();
  });

  it('charges a batch its events: 50 pass, the 51st event is refused with 429 and Retry-After, storing nothing', async () => {
    expect((await first.postEvents('flood', batch(40))).status).toBe(202);
    expect((await first.postEvents('flood', batch(10))).status).toBe(202);
    const before = await first.storedCount();
    const refused = await first.postEvents('flood', event());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await first.storedCount()).toBe(before);
  });

  it('refuses on the other replica what the account spent on the first, and serves a quiet account there', async () => {
    await waitFor(async () => (await second.postEvents('flood', event())).status === 429, { timeoutMs: 3_000, intervalMs: 50, label: 'second replica refuses the flooder' });
    expect((await second.postEvents('quiet', batch(50))).status).toBe(202);
  });

  it('refuses an account with nothing left before reading its body: even malformed JSON gets 429, not 400', async () => {
    const refused = await first.postEvents('flood', undefined, { raw: '[{"message_type": "orderEvent", "data": ' });
    expect(refused.status).toBe(429);
    expect((await first.postEvents('fresh', undefined, { raw: '[{' })).status).toBe(400);
  });

  it('keys by account: fresh subjects of the same account share its budget', async () => {
    const token = await signDevToken({ secret: TEST_JWT_SECRET, account: 'subjects', subject: 'one' });
    expect((await first.postEvents('subjects', batch(50), { token })).status).toBe(202);
    const fresh = await signDevToken({ secret: TEST_JWT_SECRET, account: 'subjects', subject: `fresh-${Date.now()}` });
    expect((await first.postEvents('subjects', event(), { token: fresh })).status).toBe(429);
  });

  it('counts a bad batch too: validating it cost the same', async () => {
    const bad = batch(30).map((entry, index) => (index === 0 ? { ...entry, message_type: 'nope' } : entry));
    expect((await first.postEvents('badbatch', bad)).status).toBe(400);
    expect((await first.postEvents('badbatch', batch(30))).status).toBe(429);
    expect((await first.postEvents('badbatch', batch(20))).status).toBe(202);
  });
});
