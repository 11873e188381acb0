// Ordering keys at ingest (real JetStream): the producer's key beats the type's pointer, a key that is not a string is
// a 400 naming where it is, and a keyed event is stored on its key's subject, in the order of the request.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventTypes } from '@hookmesh/contracts';
import { createTestNats, type TestNats } from '@hookmesh/testing';
import { startTestIngest, type TestIngest } from '../test-support';

const account = 'acme';
const order = (orderId: unknown, status = 'packed') => [{ ...(eventTypes.orderEvent.example.data as Array<Record<string, unknown>>)[0], order_id: orderId, status }];

describe('ordering keys at ingest', () => {
  let nats: TestNats;
  let ingest: TestIngest;

  beforeAll(async () => {
    nats = await createTestNats('ingest-order');
    ingest = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix });
  });
  afterAll(async () => {
    await ingest.close();
    await nats.cleanup();
  });

  const stored = async (messageId: string) => (await ingest.storedEvents()).find((event) => event.record.message_id === messageId);

  it("takes orderEvent's key from its order_id, and the producer's ordering_key over it", async () => {
    const fromType = await ingest.postEvents(account, { message_type: 'orderEvent', data: order('A-1') });
    expect(fromType.status).toBe(202);
    const typed = await stored(((await fromType.json()) as { message_id: string }).message_id);
    expect(typed?.record.ordering_key).toBe('A-1');
    expect(typed?.subject).toBe(ingest.names.eventSubject(account, 'orderEvent', 'A-1'));

    const explicit = await ingest.postEvents(account, { message_type: 'orderEvent', data: order('A-1'), ordering_key: 'customer 12345' });
    const mine = await stored(((await explicit.json()) as { message_id: string }).message_id);
    expect(mine?.record.ordering_key).toBe('customer 12345');
    expect(mine?.subject).toBe(ingest.names.eventSubject(account, 'orderEvent', 'customer 12345'));

    // A type without a pointer and no key of its own: stored unordered.
    const plain = await ingest.postEvents(account, { message_type: 'rmaEvent', data: eventTypes.rmaEvent.example.data });
    const unkeyed = await stored(((await plain.json()) as { message_id: string }).message_id);
    expect(unkeyed?.record).not.toHaveProperty('ordering_key');
    expect(unkeyed?.subject).toBe(ingest.names.eventSubject(account, 'rmaEvent'));
  });

  it('stores the events of one key in the order of the batch', async () => {
    const statuses = ['atWarehouse', 'inProcess', 'packed', 'fulfilled', 'delivered'];
    const res = await ingest.postEvents(account, statuses.map((status) => ({ message_type: 'orderEvent', data: order('B-7', status) })));
    expect(res.status).toBe(202);
    const ids = ((await res.json()) as { events: Array<{ message_id: string }> }).events.map((event) => event.message_id);
    const onKey = (await ingest.storedEvents()).filter((event) => event.subject === ingest.names.eventSubject(account, 'orderEvent', 'B-7'));
    expect(onKey.map((event) => event.record.message_id)).toEqual(ids);
  });

  it('refuses a key that is not a string, too long or with control characters, naming where it is, and stores nothing', async () => {
    const before = await ingest.storedCount();
    const cases: Array<[unknown, string]> = [
      [{ message_type: 'orderEvent', data: order('C-1'), ordering_key: 42 }, 'ordering_key'],
      [{ message_type: 'orderEvent', data: order('C-1'), ordering_key: 'x'.repeat(129) }, 'ordering_key'],
      [{ message_type: 'orderEvent', data: order('C-1'), ordering_key: 'a\u0007b' }, 'ordering_key'],
    ];
    for (const [event, path] of cases) {
      const res = await ingest.postEvents(account, event);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { errors: Array<{ path: string }> };
      expect(problem.errors.map((issue) => issue.path)).toContain(path);
    }
    const batch = await ingest.postEvents(account, [{ message_type: 'orderEvent', data: order('ok') }, { message_type: 'orderEvent', data: order('y'.repeat(200)) }]);
    expect(batch.status).toBe(400);
    const problem = (await batch.json()) as { errors: Array<{ path: string; code: string; message: string }> };
    expect(problem.errors).toEqual([expect.objectContaining({ path: '1.data.0.order_id', code: 'invalid_ordering_key', message: expect.stringContaining('/0/order_id') })]);
    expect(await ingest.storedCount()).toBe(before);
  });
});
