// POST /:account/api/v1/events against a real JetStream: validation, batches, idempotency, limits and auth.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MESSAGE_TYPES, eventTypes, resolveOrderingKey, type BuiltinMessageType, type EventTypeMapping } from '@hookmesh/contracts';
import { createTestNats, type TestNats } from '@hookmesh/testing';
import { startTestIngest, tokenFor, type TestIngest } from '../test-support';

type Json = Record<string, unknown>;
interface ProblemBody {
  status: number;
  title: string;
  detail?: string;
  errors?: Array<{ path: string; message: string; code: string }>;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const account = 'acme';

/** The seed example of a message type as a producer sends it. */
function exampleEvent(messageType: BuiltinMessageType, idempotencyKey?: string): Json {
  return {
    message_type: messageType,
    data: structuredClone(eventTypes[messageType].example.data),
    ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }),
  };
}

const firstItem = (data: unknown): Json => (data as Json[])[0]!;

/** The ordering key the type's pointer finds in its seed example (orderEvent's order_id), if any. */
function exampleKey(messageType: BuiltinMessageType): string | undefined {
  const key = resolveOrderingKey(undefined, eventTypes[messageType].example.data, eventTypes[messageType].mapping as EventTypeMapping);
  return key.kind === 'key' ? key.key : undefined;
}

/** One broken variant per message type, and the field (below the event) its contract must name. */
const brokenVariants: Record<BuiltinMessageType, { what: string; breakData: (data: unknown) => void; path: string }> = {
  skuInventoryChange: { what: 'a negative total_units', breakData: (d) => void (firstItem(d).total_units = -1), path: 'data.0.total_units' },
  snapshotReady: { what: 'a download_url that is no URL', breakData: (d) => void ((d as Json).download_url = 'not a url'), path: 'data.download_url' },
  orderEvent: { what: 'an unknown order status', breakData: (d) => void (firstItem(d).status = 'lost'), path: 'data.0.status' },
  orderUpdateResolution: {
    what: 'a failure without a reason',
    breakData: (d) => void Object.assign(firstItem(d), { status: 'failure', reason: null }),
    path: 'data.0.reason',
  },
  orderCancelResolution: { what: 'a created_at that is no date-time', breakData: (d) => void (firstItem(d).created_at = 'yesterday'), path: 'data.0.created_at' },
  inboundShipmentEvent: {
    what: 'a fractional line item quantity',
    breakData: (d) => void ((firstItem(d).details as { line_items: Json[] }).line_items[0]!.quantity = 1.5),
    path: 'data.0.details.line_items.0.quantity',
  },
  shipmentEvent: { what: 'an unknown shipment status', breakData: (d) => void (firstItem(d).status = 'teleported'), path: 'data.0.status' },
  rmaEvent: {
    what: 'a non-boolean not_on_original_rma',
    breakData: (d) => void ((firstItem(d).line_items as Json[])[0]!.not_on_original_rma = 'no'),
    path: 'data.0.line_items.0.not_on_original_rma',
  },
  qualityEvent: { what: 'an unknown source', breakData: (d) => void (firstItem(d).source = 'moon'), path: 'data.0.source' },
};

function brokenEvent(messageType: BuiltinMessageType): Json {
  const event = exampleEvent(messageType);
  brokenVariants[messageType].breakData(event.data);
  return event;
}

describe('POST /:account/api/v1/events', () => {
  let nats: TestNats;
  let ingest: TestIngest;

  beforeAll(async () => {
    nats = await createTestNats('ingest');
    ingest = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix, limits: { maxBatch: 20, maxBodyBytes: 2 * 1024 * 1024 } });
  });
  afterAll(async () => {
    await ingest.close();
    await nats.cleanup();
  });

  describe('validation against the contract of each message_type', () => {
    it.each(MESSAGE_TYPES)('accepts the seed example of %s and stores it as an EventRecord on its subject', async (messageType) => {
      const before = await ingest.storedCount();
      const res = await ingest.postEvents(account, exampleEvent(messageType));
      expect(res.status).toBe(202);
      const body = (await res.json()) as { message_id: string };
      expect(body).toEqual({ message_id: expect.stringMatching(UUID_V7) });

      expect(await ingest.storedCount()).toBe(before + 1);
      const stored = (await ingest.storedEvents()).find((event) => event.record.message_id === body.message_id);
      const key = exampleKey(messageType);
      expect(stored?.subject).toBe(ingest.names.eventSubject(account, messageType, key));
      expect(stored?.header.get('Nats-Msg-Id')).toBe(body.message_id);
      expect(stored?.record).toEqual({
        message_id: body.message_id,
        account,
        message_type: messageType,
        api_version: '1.0',
        data: eventTypes[messageType].example.data,
        ingested_at: expect.any(String),
        ...(key === undefined ? {} : { ordering_key: key }),
      });
    });

    it.each(MESSAGE_TYPES)('rejects a batch holding a broken %s, naming index 1 and the field, and stores nothing', async (messageType) => {
      const before = await ingest.storedCount();
      const res = await ingest.postEvents(account, [exampleEvent(messageType), brokenEvent(messageType)]);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((error) => error.path)).toEqual([`1.${brokenVariants[messageType].path}`]);
      expect(await ingest.storedCount()).toBe(before);
    });

    it('names every bad index of a batch and rejects it whole', async () => {
      const before = await ingest.storedCount();
      // Valid events at even indexes, a broken one of each type at the odd indexes after them.
      const batch = MESSAGE_TYPES.flatMap((messageType) => [exampleEvent(messageType), brokenEvent(messageType)]);
      expect(batch.length).toBeLessThanOrEqual(20);
      const res = await ingest.postEvents(account, batch);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      const named = problem.errors?.map((error) => error.path) ?? [];
      expect(named).toEqual(MESSAGE_TYPES.map((messageType, i) => `${2 * i + 1}.${brokenVariants[messageType].path}`));
      expect(await ingest.storedCount()).toBe(before);
    });

    it('rejects an unknown message_type and a missing data field, naming each', async () => {
      const before = await ingest.storedCount();
      const res = await ingest.postEvents(account, [{ message_type: 'invoiceEvent', data: [] }, { message_type: 'orderEvent' }]);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((error) => error.path)).toEqual(['0.message_type', '1.data']);
      expect(await ingest.storedCount()).toBe(before);
    });

    it('rejects fields the contract does not know and an idempotency_key with control characters', async () => {
      const res = await ingest.postEvents(account, { ...exampleEvent('orderEvent'), account: 'other', idempotency_key: 'a\nb' });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((error) => error.path).sort()).toEqual(['', 'idempotency_key']);
    });
  });

  describe('NUL characters (Postgres jsonb cannot store them, so audit could never log the event)', () => {
    it('refuses a NUL in a string of data with 400 naming its path, and stores nothing', async () => {
      const before = await ingest.storedCount();
      const event = exampleEvent('orderEvent');
      firstItem(event.data).customer_identifier = 'abc\u0000def';
      const res = await ingest.postEvents(account, event);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors).toEqual([{ path: 'data.0.customer_identifier', code: 'nul_character', message: expect.stringContaining('NUL') }]);
      expect(await ingest.storedCount()).toBe(before);
    });

    it('refuses a NUL in a key of data, and names every such event of a batch, storing none of it', async () => {
      const before = await ingest.storedCount();
      const inKey = exampleEvent('orderEvent');
      firstItem(inKey.data)['note\u0000'] = 'x';
      const nested = exampleEvent('qualityEvent');
      firstItem(nested.data).extra = { deep: [['ok', 'bad\u0000']] };
      const res = await ingest.postEvents(account, [exampleEvent('orderEvent'), inKey, nested]);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((error) => `${error.path} ${error.code}`)).toEqual(['1.data.0.note\u0000 nul_character', '2.data.0.extra.deep.0.1 nul_character']);
      expect(await ingest.storedCount()).toBe(before);
    });

    it('stores other control characters and the escaped text \\u0000 as sent', async () => {
      const event = exampleEvent('orderEvent');
      firstItem(event.data).customer_identifier = 'tab\there \\u0000 \u0001';
      const res = await ingest.postEvents(account, event);
      expect(res.status).toBe(202);
      const { message_id: id } = (await res.json()) as { message_id: string };
      const stored = (await ingest.storedEvents()).find((entry) => entry.record.message_id === id);
      expect(firstItem(stored?.record.data).customer_identifier).toBe('tab\there \\u0000 \u0001');
    });
  });

  describe('unpaired surrogates (no Unicode character: Postgres refuses them as text and in jsonb)', () => {
    it('refuses one in data or in an idempotency_key with 400 naming its path, stores nothing, and takes a whole pair', async () => {
      const before = await ingest.storedCount();
      const lone = exampleEvent('orderEvent');
      firstItem(lone.data).customer_identifier = 'abc\ud800def';
      const keyed = { ...exampleEvent('orderEvent'), idempotency_key: 'key-\udc00' };
      const res = await ingest.postEvents(account, [exampleEvent('orderEvent'), lone, keyed]);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((error) => `${error.path} ${error.code}`)).toEqual(['1.data.0.customer_identifier unpaired_surrogate', expect.stringMatching(/^2\.idempotency_key /)]);
      expect(await ingest.storedCount()).toBe(before);

      const paired = exampleEvent('orderEvent');
      firstItem(paired.data).customer_identifier = 'smile \u{1F600}';
      const ok = await ingest.postEvents(account, paired);
      expect(ok.status).toBe(202);
    });
  });

  describe('batches', () => {
    it('stores every event of a batch and answers their ids in request order, time-ordered', async () => {
      const before = await ingest.storedCount();
      const batch = MESSAGE_TYPES.map((messageType) => exampleEvent(messageType));
      const res = await ingest.postEvents(account, batch);
      expect(res.status).toBe(202);
      const { events } = (await res.json()) as { events: Array<{ message_id: string }> };
      expect(events).toHaveLength(MESSAGE_TYPES.length);
      const ids = events.map((event) => event.message_id);
      for (const id of ids) expect(id).toMatch(UUID_V7);
      // UUIDv7 ids minted in request order sort in request order.
      expect([...ids].sort()).toEqual(ids);

      expect(await ingest.storedCount()).toBe(before + MESSAGE_TYPES.length);
      const byId = new Map((await ingest.storedEvents()).map((event) => [event.record.message_id, event]));
      MESSAGE_TYPES.forEach((messageType, index) => {
        expect(byId.get(ids[index]!)?.record.message_type).toBe(messageType);
        expect(byId.get(ids[index]!)?.subject).toBe(ingest.names.eventSubject(account, messageType, exampleKey(messageType)));
      });
    });

    it('refuses a batch longer than HOOKMESH_MAX_BATCH with 413 naming the limit, and an empty one with 400', async () => {
      const before = await ingest.storedCount();
      const tooLong = await ingest.postEvents(account, Array.from({ length: 21 }, () => exampleEvent('orderEvent')));
      expect(tooLong.status).toBe(413);
      expect(((await tooLong.json()) as ProblemBody).detail).toContain('at most 20 events');
      const empty = await ingest.postEvents(account, []);
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as ProblemBody).errors?.[0]?.message).toBe('send at least one event');
      expect(await ingest.storedCount()).toBe(before);
    });
  });

  describe('idempotency', () => {
    it('answers a repeated idempotency_key with the first message_id and stores nothing new', async () => {
      const first = await ingest.postEvents(account, exampleEvent('orderEvent', 'order-42-v1'));
      expect(first.status).toBe(202);
      const { message_id: firstId } = (await first.json()) as { message_id: string };
      const count = await ingest.storedCount();

      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await ingest.postEvents(account, exampleEvent('orderEvent', 'order-42-v1'));
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual({ message_id: firstId });
      expect(await ingest.storedCount()).toBe(count);

      const stored = (await ingest.storedEvents()).filter((event) => event.record.idempotency_key === 'order-42-v1');
      expect(stored).toHaveLength(1);
      expect(stored[0]?.header.get('Nats-Msg-Id')).toBe(`idem:${account}:order-42-v1`);
      const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(metrics).toContain('hookmesh_ingest_duplicates_total{message_type="orderEvent"} 1');
    });

    it('reports each answered repeat on AUDIT, so audit can count duplicate ingests', async () => {
      const first = (await (await ingest.postEvents(account, exampleEvent('orderEvent', 'order-43-v1'))).json()) as { message_id: string };
      await ingest.postEvents(account, exampleEvent('orderEvent', 'order-43-v1'));
      await ingest.postEvents(account, [exampleEvent('orderEvent', 'order-43-v1'), exampleEvent('orderEvent', 'order-43-v2')]);
      const reports = (await ingest.auditRecords()).filter((record) => record.kind === 'duplicate_ingest' && record.idempotency_key === 'order-43-v1');
      expect(reports).toHaveLength(2);
      for (const report of reports) {
        expect(report).toMatchObject({ kind: 'duplicate_ingest', account, message_id: first.message_id, message_type: 'orderEvent' });
      }
      expect(new Set(reports.map((report) => (report as { repeat_id: string }).repeat_id)).size).toBe(2);
    });

    it('answers 409 for a repeated key with different data, naming the key, and stores nothing', async () => {
      const first = (await (await ingest.postEvents(account, exampleEvent('orderEvent', 'order-44'))).json()) as { message_id: string };
      const count = await ingest.storedCount();
      const changed = exampleEvent('orderEvent', 'order-44');
      firstItem(changed.data).customer_identifier = '67890';

      const res = await ingest.postEvents(account, changed);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors).toEqual([{ path: 'idempotency_key', code: 'idempotency_key_reused', message: expect.stringContaining(first.message_id) }]);
      expect(problem.detail).toContain('another event');
      expect(await ingest.storedCount()).toBe(count);

      // In a batch, the index of the event that reused a key is named.
      const batch = await ingest.postEvents(account, [exampleEvent('orderEvent', 'order-45'), changed]);
      expect(batch.status).toBe(409);
      expect(((await batch.json()) as ProblemBody).errors?.map((error) => error.path)).toEqual(['1.idempotency_key']);
      const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(metrics).toContain('hookmesh_ingest_idempotency_conflicts_total{message_type="orderEvent"} 2');
    });

    it('dedupes inside a batch and across batches, keeping new events of the same batch', async () => {
      const first = await ingest.postEvents(account, exampleEvent('rmaEvent', 'rma-7'));
      const { message_id: firstId } = (await first.json()) as { message_id: string };
      const count = await ingest.storedCount();

      const res = await ingest.postEvents(account, [
        exampleEvent('rmaEvent', 'rma-7'),
        exampleEvent('rmaEvent', 'rma-8'),
        exampleEvent('rmaEvent', 'rma-8'),
      ]);
      expect(res.status).toBe(202);
      // Not every event of the batch is a replay, so the request as a whole is not one; each replayed entry says so.
      expect(res.headers.get('idempotent-replayed')).toBeNull();
      const { events } = (await res.json()) as { events: Array<{ message_id: string; replayed?: true }> };
      expect(events[0]).toEqual({ message_id: firstId, replayed: true });
      expect(events[1]?.message_id).not.toBe(firstId);
      expect(events[2]?.message_id).toBe(events[1]?.message_id);
      expect(events.filter((event) => event.replayed === true)).toHaveLength(2);
      expect(await ingest.storedCount()).toBe(count + 1);

      const replay = await ingest.postEvents(account, [exampleEvent('rmaEvent', 'rma-7'), exampleEvent('rmaEvent', 'rma-8')]);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    });

    it('answers 409 for a repeated key whose first event was deleted from the stream, storing nothing', async () => {
      const first = await ingest.postEvents(account, exampleEvent('shipmentEvent', 'shipment-deleted'));
      const { message_id: firstId } = (await first.json()) as { message_id: string };
      const stored = (await ingest.storedEvents()).find((event) => event.record.message_id === firstId);
      await ingest.jsm.streams.deleteMessage(ingest.names.streams.events, stored!.seq);
      const count = await ingest.storedCount();

      // The server still remembers the key inside its window, so the event is not stored again either.
      const again = await ingest.postEvents(account, exampleEvent('shipmentEvent', 'shipment-deleted'));
      expect(again.status).toBe(409);
      expect(((await again.json()) as ProblemBody).detail).toContain('use a new key');
      expect(await ingest.storedCount()).toBe(count);
    });

    it('scopes idempotency keys by account', async () => {
      const acme = (await (await ingest.postEvents('acme', exampleEvent('qualityEvent', 'shared-key'))).json()) as { message_id: string };
      const globex = (await (await ingest.postEvents('globex', exampleEvent('qualityEvent', 'shared-key'))).json()) as { message_id: string };
      expect(globex.message_id).not.toBe(acme.message_id);
      const stored = (await ingest.storedEvents()).filter((event) => event.record.idempotency_key === 'shared-key');
      expect(stored.map((event) => event.record.account).sort()).toEqual(['acme', 'globex']);
    });
  });

  describe('request limits and media types', () => {
    it('answers 413 for a body over HOOKMESH_MAX_BODY', async () => {
      const before = await ingest.storedCount();
      const event = exampleEvent('snapshotReady');
      (event.data as Json).padding = 'x'.repeat(2 * 1024 * 1024);
      const res = await ingest.postEvents(account, event);
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await ingest.storedCount()).toBe(before);
    });

    it('answers 413 naming the event that would exceed the NATS message limit, storing none of the batch', async () => {
      const before = await ingest.storedCount();
      const maxPayload = ingest.nc.info?.max_payload ?? 1024 * 1024;
      const big = exampleEvent('snapshotReady');
      // Under the 2 MiB body limit of this app, over the server's max_payload once wrapped in an EventRecord.
      (big.data as Json).padding = 'x'.repeat(maxPayload);
      const res = await ingest.postEvents(account, [exampleEvent('orderEvent'), big]);
      expect(res.status).toBe(413);
      expect(((await res.json()) as ProblemBody).detail).toContain('index 1');
      expect(await ingest.storedCount()).toBe(before);
    });

    it('answers 405 naming POST for another method on /events, and 404 for a path it does not serve', async () => {
      const token = await tokenFor(account);
      for (const method of ['DELETE', 'PUT', 'PATCH']) {
        const res = await fetch(`${ingest.url}/${account}/api/v1/events`, { method, headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('POST');
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      expect((await fetch(`${ingest.url}/${account}/api/v1/event`, { method: 'DELETE' })).status).toBe(404);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await ingest.postEvents(account, undefined, { raw: '{"message_type": "orderEvent", "data": [' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ProblemBody).title).toBe('Malformed JSON');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const before = await ingest.storedCount();
      const res = await ingest.postEvents(account, undefined, {
        raw: 'message_type=orderEvent',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
      expect(await ingest.storedCount()).toBe(before);
    });
  });

  describe('authentication and authorization', () => {
    it('answers 401 without a token and with a token it cannot verify', async () => {
      const missing = await ingest.postEvents(account, exampleEvent('orderEvent'), { token: null });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="hookmesh"');
      const forged = await ingest.postEvents(account, exampleEvent('orderEvent'), { token: `${await tokenFor(account)}x` });
      expect(forged.status).toBe(401);
    });

    it("answers 403 for another account's token and for a token without events:write, storing nothing", async () => {
      const before = await ingest.storedCount();
      const otherAccount = await ingest.postEvents(account, exampleEvent('orderEvent'), { token: await tokenFor('globex') });
      expect(otherAccount.status).toBe(403);
      const readOnly = await ingest.postEvents(account, exampleEvent('orderEvent'), {
        token: await tokenFor(account, ['callbacks:read', 'callbacks:write', 'deliveries:read']),
      });
      expect(readOnly.status).toBe(403);
      expect(readOnly.headers.get('www-authenticate')).toContain('scope="events:write"');
      expect(await ingest.storedCount()).toBe(before);
    });
  });
});
