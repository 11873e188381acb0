// POST /events for operator-registered types: validated against their JSON Schema (version by version), unknown and
// archived types refused, against real NATS and the subscription state's KV bucket.
import type { EventTypeState } from '@hookmesh/contracts';
import type { KV } from '@hookmesh/messaging';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import { createIngestCatalog, startCatalogView } from '../messaging/catalog';
import { startTestIngest, type TestIngest } from '../test-support';

interface ProblemBody {
  status: number;
  detail?: string;
  errors?: Array<{ path: string; code: string; message: string }>;
}

const account = 'acme';

function ordersCreated(version: number, overrides: Partial<EventTypeState> = {}): EventTypeState {
  return {
    message_type: 'Orders.Created',
    description: 'ModusLink: an order was created',
    version,
    schema: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' }, lines: { type: 'integer', minimum: 1 } } },
    example: { order_id: '42000631' },
    archived: false,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('POST /events of registered types', () => {
  let nats: TestNats;
  let ingest: TestIngest;
  const putType = (state: EventTypeState) => ingest.kv.put(ingest.names.kv.eventTypeKey(state.message_type), JSON.stringify(state));
  const post = async (body: unknown) => {
    const res = await ingest.postEvents(account, body);
    return { status: res.status, body: (await res.json()) as ProblemBody & { message_id?: string } };
  };

  beforeAll(async () => {
    nats = await createTestNats('ingestcat');
    ingest = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix });
  });
  afterAll(async () => {
    await ingest.close();
    await nats.cleanup();
  });

  it('refuses a type the catalog does not have with 400 at message_type', async () => {
    const before = await ingest.storedCount();
    const res = await post({ message_type: 'Orders.Created', data: { order_id: 'o-1' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'message_type', code: 'unknown_message_type' })]);
    expect(await ingest.storedCount()).toBe(before);
  });

  it('stores an event of a registered type on its encoded subject, posted right after the type reached the bucket', async () => {
    await putType(ordersCreated(1));
    const res = await post({ message_type: 'Orders.Created', data: { order_id: 'o-1', lines: 2 } });
    expect(res.status).toBe(202);
    const stored = (await ingest.storedEvents()).find((event) => event.record.message_id === res.body.message_id);
    expect(stored?.subject).toBe(`${ingest.names.root}.events.${account}.Orders_2ECreated`);
    expect(stored?.record).toMatchObject({ message_type: 'Orders.Created', data: { order_id: 'o-1', lines: 2 } });
  });

  it('names every issue of data that does not fit the JSON Schema, in a batch with its index, and stores nothing', async () => {
    const before = await ingest.storedCount();
    const res = await post([
      { message_type: 'orderEvent', data: [{ order_id: 1 }] },
      { message_type: 'Orders.Created', data: { lines: 0, order_id: 7 } },
      { message_type: 'Rmas.Created', data: {} },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((error) => `${error.path} ${error.code}`)).toEqual(
      expect.arrayContaining(['1.data.order_id type', '1.data.lines minimum', '2.message_type unknown_message_type']),
    );
    expect(res.body.errors?.[0]?.path).toMatch(/^0\.data\.0\./);
    expect(await ingest.storedCount()).toBe(before);
  });

  it('checks the next event against a replaced schema within a second', async () => {
    await putType(ordersCreated(2, { schema: { type: 'object', required: ['order_id', 'lines'], properties: { order_id: { type: 'string' }, lines: { type: 'integer' } } } }));
    const refused = await waitFor(
      async () => {
        const res = await post({ message_type: 'Orders.Created', data: { order_id: 'o-2' } });
        return res.status === 400 ? res : undefined;
      },
      { timeoutMs: 1_000, intervalMs: 20, label: 'version 2 applied' },
    );
    expect(refused.body.errors).toEqual([{ path: 'data.lines', code: 'required', message: 'lines is required' }]);
    expect((await post({ message_type: 'Orders.Created', data: { order_id: 'o-3', lines: 1 } })).status).toBe(202);
  });

  it('answers 409 for an archived type', async () => {
    await putType(ordersCreated(2, { archived: true }));
    const res = await waitFor(
      async () => {
        const answer = await post({ message_type: 'Orders.Created', data: { order_id: 'o-4', lines: 1 } });
        return answer.status === 409 ? answer : undefined;
      },
      { timeoutMs: 1_000, intervalMs: 20, label: 'archive applied' },
    );
    expect(res.body.detail).toMatch(/archived/);
  });

  it('re-reads the bucket before refusing, so a view that lags cannot refuse a type registered a moment ago', async () => {
    // A view frozen before the type existed stands for a watch that has not delivered it yet.
    const frozen = await startCatalogView({ kv: ingest.kv, names: ingest.names, log: pino({ level: 'silent' }) });
    await frozen.stop();
    const catalog = createIngestCatalog({ kv: ingest.kv, view: frozen, names: ingest.names, log: pino({ level: 'silent' }) });
    await putType({ ...ordersCreated(1), message_type: 'orders:created', schema: { type: 'object', required: ['id'] } });
    expect(frozen.eventType('orders:created')).toBeUndefined();
    const [ok, invalid] = await catalog.judge([
      { event: { message_type: 'orders:created', data: { id: 1 } }, pathPrefix: '0.' },
      { event: { message_type: 'orders:created', data: {} }, pathPrefix: '1.' },
    ]);
    expect(ok).toEqual({ kind: 'ok' });
    expect(invalid).toEqual({ kind: 'invalid', issues: [{ path: '1.data.id', code: 'required', message: 'id is required' }] });
  });

  it('judges by the bucket when the view catches up while the bucket is read (the refusal was made before it did)', async () => {
    const late = { ...ordersCreated(1), message_type: 'orders:late', schema: { type: 'object', required: ['id'] } };
    await putType(late);
    // The watch delivers the type just as the second look starts: afterwards the view and the bucket agree.
    let delivered: EventTypeState | undefined;
    const frozen = await startCatalogView({ kv: ingest.kv, names: ingest.names, log: pino({ level: 'silent' }) });
    await frozen.stop();
    const view = { eventType: (type: string) => (type === late.message_type ? delivered : undefined), size: frozen.size, stop: frozen.stop };
    const kv: KV = Object.assign(Object.create(ingest.kv) as KV, {
      get: async (key: string) => {
        delivered = late;
        return ingest.kv.get(key);
      },
    });
    const catalog = createIngestCatalog({ kv, view, names: ingest.names, log: pino({ level: 'silent' }) });
    const [verdict] = await catalog.judge([{ event: { message_type: late.message_type, data: { id: 1 } }, pathPrefix: '' }]);
    expect(verdict).toEqual({ kind: 'ok' });
  });
});
