import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildOpenApiDocument,
  DeliveriesResponse,
  Delivery,
  MessageResponse,
  newMessageId,
  StatsResponse,
  type AuditRecord,
  type DeliveryStatus,
  type BuiltinMessageType,
} from '@hookmesh/contracts';
import type { Scope } from '@hookmesh/http';
import { writeAuditRecords } from '../storage/audit-records';
import { writeEvents, type ReceivedEvent } from '../storage/event-log';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, seedData, startAuditHarness, type AuditHarness, type DeliveryRef } from '../test-support';

const A = 'masonhub';
const B = 'moduslink';
const TYPES: BuiltinMessageType[] = ['orderEvent', 'skuInventoryChange', 'rmaEvent'];
const CALLBACKS = ['cb-a', 'cb-b', 'cb-c'];
const STATUSES: DeliveryStatus[] = ['delivered', 'failed', 'retrying', 'held', 'pending', 'circuit_open'];

interface Expected {
  ref: DeliveryRef;
  status: DeliveryStatus;
  createdAt: string;
}

/** Records that leave a delivery in `status`. */
function recordsFor(ref: DeliveryRef, status: DeliveryStatus, createdAt: string): AuditRecord[] {
  const at = (ms: number) => new Date(Date.parse(createdAt) + ms).toISOString();
  const created = createdRecord(ref, createdAt);
  switch (status) {
    case 'pending':
      return [created];
    case 'delivered':
      return [created, attemptRecord(ref, { attempt: 1, startedAt: at(10), latencyMs: 50, statusCode: 200 })];
    case 'retrying':
      return [created, attemptRecord(ref, { attempt: 1, startedAt: at(10), latencyMs: 50, statusCode: 503 })];
    case 'failed':
      return [created, attemptRecord(ref, { attempt: 1, startedAt: at(10), latencyMs: 50, statusCode: 500, outcome: 'failed' })];
    case 'held':
      return [
        created,
        { kind: 'delivery_held', delivery_id: ref.deliveryId, message_id: ref.messageId, account: ref.account, callback_id: ref.callbackId, message_type: ref.messageType, series: 0, attempt: 1, reason: 'hold', held_at: at(5), next_attempt_at: null },
      ];
    case 'circuit_open':
      return [
        created,
        { kind: 'delivery_held', delivery_id: ref.deliveryId, message_id: ref.messageId, account: ref.account, callback_id: ref.callbackId, message_type: ref.messageType, series: 0, attempt: 1, reason: 'circuit_open', held_at: at(5), next_attempt_at: at(60_000) },
      ];
  }
}

describe('delivery log API', () => {
  let h: AuditHarness;
  const expected: Expected[] = [];
  let detailRef: DeliveryRef;
  let bRef: DeliveryRef;

  beforeAll(async () => {
    h = await startAuditHarness('routes');
    const records: AuditRecord[] = [];
    const events: ReceivedEvent[] = [];
    for (let i = 0; i < 90; i += 1) {
      const messageType = TYPES[i % 3] as BuiltinMessageType;
      const messageId = newMessageId();
      const ref = deliveryRef(A, messageId, CALLBACKS[Math.floor(i / 3) % 3] as string, messageType);
      // Every fifth group of five shares one created_at, so pages must break ties by id.
      const createdAt = new Date(Date.UTC(2026, 3, 1, 0, i < 10 ? 0 : i, 0, 0)).toISOString();
      const status = STATUSES[i % 5] as DeliveryStatus;
      expected.push({ ref, status, createdAt });
      records.push(...recordsFor(ref, status, createdAt));
      events.push({ record: eventRecord(A, messageId, messageType, createdAt), streamSeq: i + 1, publishedAt: createdAt });
    }
    bRef = deliveryRef(B, newMessageId(), 'cb-b', 'orderEvent');
    records.push(...recordsFor(bRef, 'failed', '2026-04-01T00:30:00.000Z'));
    events.push({ record: eventRecord(B, bRef.messageId, 'orderEvent', '2026-04-01T00:30:00.000Z'), streamSeq: 1000, publishedAt: '2026-04-01T00:30:00.000Z' });

    detailRef = deliveryRef(A, newMessageId(), 'cb-detail', 'orderEvent');
    records.push(
      createdRecord(detailRef, '2026-04-02T00:00:00.000Z'),
      attemptRecord(detailRef, { attempt: 2, startedAt: '2026-04-02T00:00:06.000Z', latencyMs: 80, statusCode: 200, excerpt: 'y'.repeat(5000) }),
      attemptRecord(detailRef, { attempt: 1, startedAt: '2026-04-02T00:00:01.000Z', latencyMs: 30_000, statusCode: null }),
    );
    events.push({ record: eventRecord(A, detailRef.messageId, 'orderEvent', '2026-04-02T00:00:00.000Z', 'order-42-v3'), streamSeq: 2000, publishedAt: '2026-04-02T00:00:00.000Z' });
    await h.directDb.transaction().execute(async (trx) => {
      await writeEvents(trx, events);
      await writeAuditRecords(trx, records, { excerptMax: 2048 });
    });
  });
  afterAll(async () => {
    await h.close();
  });

  async function walk(query: string): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', '7');
      if (cursor !== null) params.set('cursor', cursor);
      const res = await h.call(`/${A}/api/v1/deliveries?${params.toString()}`);
      expect(res.status).toBe(200);
      const page = DeliveriesResponse.parse(await res.json());
      ids.push(...page.deliveries.map((delivery) => delivery.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 100);
    return { ids, pages };
  }

  const newestFirst = (rows: Expected[]): string[] =>
    [...rows]
      .sort((x, y) => (x.createdAt === y.createdAt ? (x.ref.deliveryId < y.ref.deliveryId ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1))
      .map((row) => row.ref.deliveryId);

  it.each([
    ['message type and callback', 'message_type=orderEvent&callback_id=cb-a', (e: Expected) => e.ref.messageType === 'orderEvent' && e.ref.callbackId === 'cb-a'],
    ['status', 'status=failed', (e: Expected) => e.status === 'failed'],
    ['message type', 'message_type=rmaEvent', (e: Expected) => e.ref.messageType === 'rmaEvent'],
    ['callback', 'callback_id=cb-b', (e: Expected) => e.ref.callbackId === 'cb-b'],
    ['status and callback', 'status=delivered&callback_id=cb-c', (e: Expected) => e.status === 'delivered' && e.ref.callbackId === 'cb-c'],
    [
      'time window',
      'since=2026-04-01T00:20:00Z&until=2026-04-01T01:00:00Z',
      (e: Expected) => e.createdAt >= '2026-04-01T00:20:00.000Z' && e.createdAt < '2026-04-01T01:00:00.000Z',
    ],
  ])('walks every page of the %s filter without duplicates or gaps', async (_name, query, keep) => {
    const want = newestFirst(expected.filter(keep));
    expect(want.length).toBeGreaterThan(0);
    const { ids, pages } = await walk(query);
    expect(ids).toEqual(want);
    expect(pages).toBe(Math.ceil(want.length / 7));
  });

  it('walks all 91 deliveries of the account across the tie of equal created_at values', async () => {
    const { ids, pages } = await walk('');
    expect(ids).toEqual([detailRef.deliveryId, ...newestFirst(expected)]);
    expect(new Set(ids).size).toBe(91);
    expect(pages).toBe(13);
  });

  it('answers one delivery with every attempt, oldest first, the excerpt capped', async () => {
    const res = await h.call(`/${A}/api/v1/deliveries/${detailRef.deliveryId}`);
    expect(res.status).toBe(200);
    const delivery = Delivery.parse(await res.json());
    expect(delivery).toMatchObject({ id: detailRef.deliveryId, status: 'delivered', attempts_count: 2, last_status_code: 200, created_at: '2026-04-02T00:00:00.000Z' });
    expect(delivery.attempts?.map((a) => [a.series, a.attempt, a.status_code, a.error_class])).toEqual([
      [0, 1, null, 'timeout'],
      [0, 2, 200, null],
    ]);
    expect(delivery.attempts?.[1]?.response_excerpt).toBe('y'.repeat(2048));
  });

  it('answers a message with its event as ingested (the seed payload) and its deliveries', async () => {
    const res = await h.call(`/${A}/api/v1/messages/${detailRef.messageId}`);
    expect(res.status).toBe(200);
    const body = MessageResponse.parse(await res.json());
    expect(body.message).toEqual({
      message_id: detailRef.messageId,
      account: A,
      message_type: 'orderEvent',
      api_version: '1.0',
      data: seedData('orderEvent'),
      idempotency_key: 'order-42-v3',
      ingested_at: '2026-04-02T00:00:00.000Z',
    });
    expect(body.deliveries.map((d) => d.id)).toEqual([detailRef.deliveryId]);
  });

  it('waits a moment for an event minted just now, so a link followed at once finds it; an old unknown id is 404 at once', async () => {
    const fresh = newMessageId();
    const now = new Date().toISOString();
    // Audit records the event 300 ms after the lookup started, as when a receiver outruns audit's consumer.
    const late = new Promise<void>((resolve) =>
      setTimeout(() => {
        void h.db.transaction().execute((trx) => writeEvents(trx, [{ record: eventRecord(A, fresh, 'orderEvent', now), streamSeq: 10_000, publishedAt: now }])).then(() => resolve());
      }, 300),
    );
    const res = await h.call(`/${A}/api/v1/messages/${fresh}`);
    await late;
    expect(res.status).toBe(200);
    const started = Date.now();
    expect((await h.call(`/${A}/api/v1/messages/018c0000-0000-7000-8000-000000000000`)).status).toBe(404);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("never shows one account's data to another: 404 under its own account, 403 under the other's", async () => {
    const tokenA = await h.token(A);
    for (const path of [`/deliveries/${bRef.deliveryId}`, `/messages/${bRef.messageId}`]) {
      expect((await h.call(`/${A}/api/v1${path}`, { token: tokenA })).status).toBe(404);
    }
    const listed = DeliveriesResponse.parse(await (await h.call(`/${B}/api/v1/deliveries`)).json());
    expect(listed.deliveries.map((d) => d.id)).toEqual([bRef.deliveryId]);
    const redeliverOther = await h.call(`/${A}/api/v1/deliveries/${bRef.deliveryId}/redeliver`, { method: 'POST', token: tokenA });
    expect(redeliverOther.status).toBe(404);
    const recoverOther = await h.call(`/${A}/api/v1/callbacks/cb-b/recover`, { method: 'POST', token: tokenA, body: { since: '2026-01-01T00:00:00Z' } });
    // cb-b of account A has failed deliveries of its own; B's failed one must stay untouched.
    expect(recoverOther.status).toBe(202);
    const bDelivery = Delivery.parse(await (await h.call(`/${B}/api/v1/deliveries/${bRef.deliveryId}`)).json());
    expect(bDelivery).toMatchObject({ status: 'failed', series: 0 });
    const window = 'since=2026-04-01T00:00:00Z&until=2026-04-03T00:00:00Z';
    const deliveriesIn = async (account: string): Promise<number> => {
      const stats = StatsResponse.parse(await (await h.call(`/${account}/api/v1/stats?${window}`)).json());
      return stats.by_message_type.reduce((sum, row) => sum + row.delivered + row.failed + row.retrying + row.held + row.pending, 0);
    };
    expect(await deliveriesIn(A)).toBe(91);
    expect(await deliveriesIn(B)).toBe(1);
  });

  const routes: Array<{ name: string; method: string; path: (account: string) => string; scope: Scope; body?: unknown }> = [
    { name: 'GET /deliveries', method: 'GET', path: (a) => `/${a}/api/v1/deliveries`, scope: 'deliveries:read' },
    { name: 'GET /deliveries/{id}', method: 'GET', path: (a) => `/${a}/api/v1/deliveries/00000000-0000-5000-8000-000000000000`, scope: 'deliveries:read' },
    { name: 'GET /messages/{id}', method: 'GET', path: (a) => `/${a}/api/v1/messages/m-1`, scope: 'deliveries:read' },
    { name: 'GET /stats', method: 'GET', path: (a) => `/${a}/api/v1/stats`, scope: 'deliveries:read' },
    { name: 'POST /deliveries/{id}/redeliver', method: 'POST', path: (a) => `/${a}/api/v1/deliveries/00000000-0000-5000-8000-000000000000/redeliver`, scope: 'deliveries:write' },
    { name: 'POST /callbacks/{id}/recover', method: 'POST', path: (a) => `/${a}/api/v1/callbacks/cb-a/recover`, scope: 'deliveries:write', body: { since: '2030-01-01T00:00:00Z' } },
  ];

  it.each(routes)('$name ($scope): 401 without a token, 403 for another account or without its scope', async (route) => {
    const noToken = await fetch(`${h.url}${route.path(A)}`, { method: route.method });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('content-type')).toContain('application/problem+json');
    const otherAccount = await h.call(route.path(A), { method: route.method, token: await h.token(B), body: route.body });
    expect(otherAccount.status).toBe(403);
    const otherScope: Scope = route.scope === 'deliveries:read' ? 'deliveries:write' : 'deliveries:read';
    const withoutScope = await h.call(route.path(A), { method: route.method, token: await h.token(A, { scopes: [otherScope, 'callbacks:read'] }), body: route.body });
    expect(withoutScope.status).toBe(403);
    expect(((await withoutScope.json()) as { detail: string }).detail).toContain(route.scope);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['status=lost', 'status'],
    ['message_type=orderEvents', 'message_type'],
    ['message_type=orders%20created', 'message_type'],
    ['since=yesterday', 'since'],
    ['cursor=not-a-cursor', 'cursor'],
    ['colour=blue', ''],
  ])('answers 400 problem+json naming the field for ?%s', async (query, field) => {
    const res = await h.call(`/${A}/api/v1/deliveries?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain(field);
  });

  it.each([
    ['GET', '/deliveries/not-a-uuid', 404],
    ['GET', `/deliveries/${encodeURIComponent("'; drop table x;--")}`, 404],
    ['POST', '/deliveries/not-a-uuid/redeliver', 404],
    ['GET', '/messages/a%00b', 400],
    ['GET', '/deliveries?callback_id=a%00b', 400],
  ])('answers %s %s (an id that cannot exist) with a %i problem, not a 500', async (method, path, status) => {
    const res = await h.call(`/${A}/api/v1${path}`, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a stats window that ends before it starts', async () => {
    const res = await h.call(`/${A}/api/v1/stats?since=2026-04-02T00:00:00Z&until=2026-04-01T00:00:00Z`);
    expect(res.status).toBe(400);
  });

  it('serves health, its OpenAPI document and service metrics', async () => {
    expect(await (await fetch(`${h.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await (await fetch(`${h.url}/openapi.json`)).json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('audit'))));
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('hookmesh_audit_rows_written_total');
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/:account\/api\/v1\/deliveries",status="200"\}/);
  });
});
