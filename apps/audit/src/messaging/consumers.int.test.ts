import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEAD_LETTER_HEADERS, deliveryIdFor, newMessageId, type DuplicateIngestRecord } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { sql } from 'kysely';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, startAuditHarness, type AuditHarness } from '../test-support';

const ACCOUNT = 'masonhub';

async function countRows(h: AuditHarness): Promise<Record<string, number>> {
  const { rows } = await sql<{ events: number; receipts: number; deliveries: number; attempts: number; attempts_counted: number }>`
    select (select count(*) from events)::int as events,
           (select count(*) from event_receipts)::int as receipts,
           (select count(*) from deliveries)::int as deliveries,
           (select count(*) from attempts)::int as attempts,
           (select coalesce(sum(attempts_count), 0) from deliveries)::int as attempts_counted`.execute(h.directDb);
  return rows[0] as Record<string, number>;
}

/** Every message on DEAD, oldest first, with its dead-letter headers. */
async function deadLetters(h: AuditHarness): Promise<Array<{ headers: Record<string, string>; body: string }>> {
  const { state } = await h.jsm.streams.info(h.names.streams.dead);
  const out: Array<{ headers: Record<string, string>; body: string }> = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
    const stored = await h.jsm.streams.getMessage(h.names.streams.dead, { seq });
    if (stored === null) continue;
    const headers = Object.fromEntries(Object.values(DEAD_LETTER_HEADERS).flatMap((name) => (stored.header.get(name) === '' ? [] : [[name, stored.header.get(name)]])));
    out.push({ headers, body: stored.string() });
  }
  return out;
}

describe('audit consumers (real JetStream, real Postgres)', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startAuditHarness('consumers');
    h.startConsumers();
  });
  afterAll(async () => {
    await h.close();
  });

  it('stores events and delivery records once, even when every message is published twice and redelivered', async () => {
    const messageIds = [newMessageId(), newMessageId(), newMessageId()];
    const events = messageIds.map((id, i) => eventRecord(ACCOUNT, id, 'orderEvent', new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    const refs = messageIds.map((id) => deliveryRef(ACCOUNT, id, 'cb-orders', 'orderEvent'));
    const records = refs.flatMap((ref, i) => [
      createdRecord(ref, new Date(Date.UTC(2026, 0, 1, 0, i, 1)).toISOString()),
      attemptRecord(ref, { attempt: 1, startedAt: new Date(Date.UTC(2026, 0, 1, 0, i, 2)).toISOString(), latencyMs: 40, statusCode: 503 }),
      attemptRecord(ref, { attempt: 2, startedAt: new Date(Date.UTC(2026, 0, 1, 0, i, 8)).toISOString(), latencyMs: 35, statusCode: 200 }),
    ]);
    for (const event of events) await h.publishEvent(event);
    for (const record of records) await h.publishRecord(record);
    // The same content again under other Nats-Msg-Ids: JetStream stores the copies, audit must not.
    for (const event of events) await publishJson(h.js, h.names.eventSubject(ACCOUNT, 'orderEvent'), event, { msgID: `copy-${event.message_id}` });
    for (const [i, record] of records.entries()) await h.publishRecord(record, `copy-${i}`);

    const expected = { events: 3, receipts: 6, deliveries: 3, attempts: 6, attempts_counted: 6 };
    await waitFor(async () => JSON.stringify(await countRows(h)) === JSON.stringify(expected), { label: 'rows of the first pass' });

    // Deleting the durable consumers makes JetStream deliver every message again from the start.
    await h.jsm.consumers.delete(h.names.streams.events, h.names.consumers.auditEvents);
    await h.jsm.consumers.delete(h.names.streams.audit, h.names.consumers.auditRecords);
    await waitFor(
      async () => {
        const info = await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords);
        const eventsInfo = await h.jsm.consumers.info(h.names.streams.events, h.names.consumers.auditEvents);
        return info.delivered.stream_seq === 18 && info.num_ack_pending === 0 && eventsInfo.delivered.stream_seq === 6 && eventsInfo.num_ack_pending === 0;
      },
      { label: 're-created consumers caught up', timeoutMs: 20_000 },
    );
    expect(await countRows(h)).toEqual(expected);
    const delivered = await h.directDb.selectFrom('deliveries').select(['status', 'attempts_count', 'last_status_code']).execute();
    expect(delivered).toEqual(Array.from({ length: 3 }, () => ({ status: 'delivered', attempts_count: 2, last_status_code: 200 })));
  });

  it('converges when an attempt arrives before its delivery_created and the AUDIT record before the EVENTS row', async () => {
    const messageId = newMessageId();
    const ref = deliveryRef(ACCOUNT, messageId, 'cb-late', 'skuInventoryChange');
    await h.publishRecord(attemptRecord(ref, { attempt: 2, startedAt: '2026-02-01T00:00:10.000Z', latencyMs: 20, statusCode: 200 }));
    await waitFor(async () => (await h.directDb.selectFrom('deliveries').select('status').where('id', '=', ref.deliveryId).executeTakeFirst())?.status === 'delivered', {
      label: 'delivery from a lone attempt',
    });
    await h.publishRecord(attemptRecord(ref, { attempt: 1, startedAt: '2026-02-01T00:00:02.000Z', latencyMs: 30, statusCode: 500 }));
    await h.publishRecord(createdRecord(ref, '2026-02-01T00:00:00.000Z'));
    await h.publishEvent(eventRecord(ACCOUNT, messageId, 'skuInventoryChange', '2026-01-31T23:59:59.000Z'));

    const res = await waitFor(
      async () => {
        const answer = await h.call(`/${ACCOUNT}/api/v1/messages/${messageId}`);
        if (answer.status !== 200) return undefined;
        const body = (await answer.json()) as { deliveries: Array<{ attempts_count: number; created_at: string }> };
        return body.deliveries[0]?.attempts_count === 2 && body.deliveries[0].created_at === '2026-02-01T00:00:00.000Z' ? body : undefined;
      },
      { label: 'message with its converged delivery' },
    );
    expect(res.deliveries).toEqual([
      expect.objectContaining({ id: deliveryIdFor(messageId, 'cb-late'), status: 'delivered', last_status_code: 200, last_error: null, series: 0 }),
    ]);
  });

  it("counts event-ingest's reports of deduplicated repeats in /stats, once per repeated request", async () => {
    const account = 'dupes';
    const first = eventRecord(account, newMessageId(), 'orderEvent', '2026-05-01T00:00:00.000Z');
    await h.publishEvent(first);
    const report = (repeatId: string, at: string): DuplicateIngestRecord => ({
      kind: 'duplicate_ingest',
      account,
      message_id: first.message_id,
      message_type: 'orderEvent',
      idempotency_key: 'order-1',
      repeat_id: repeatId,
      repeated_at: at,
    });
    await h.publishRecord(report('r-1', '2026-05-01T00:00:05.000Z'));
    await h.publishRecord(report('r-2', '2026-05-01T00:01:00.000Z'));
    // A re-published report (another Nats-Msg-Id, the same repeat) is not a second repeat.
    await h.publishRecord(report('r-2', '2026-05-01T00:01:00.000Z'), 'copy-of-r-2');

    const stats = async (since: string, until: string) =>
      (await (await h.call(`/${account}/api/v1/stats?since=${since}&until=${until}`)).json()) as { duplicate_ingests: number; by_message_type: Array<{ message_type: string; events: number; duplicate_ingests: number }> };
    await waitFor(async () => (await stats('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z')).duplicate_ingests === 2, { label: 'both repeats counted' });
    await waitFor(async () => (await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords)).num_ack_pending === 0, { label: 'everything settled' });
    const day = await stats('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z');
    expect(day).toMatchObject({ duplicate_ingests: 2, by_message_type: [{ message_type: 'orderEvent', events: 1, duplicate_ingests: 2 }] });
    // Counted in the window the repeat arrived in.
    expect((await stats('2026-05-01T00:00:30Z', '2026-05-02T00:00:00Z')).by_message_type).toEqual([expect.objectContaining({ events: 0, duplicate_ingests: 1 })]);
  });

  it('terminates a message that breaks the contract or cannot be stored, and still stores the rest of its batch', async () => {
    const good = eventRecord(ACCOUNT, newMessageId(), 'rmaEvent', '2026-03-01T00:00:00.000Z');
    // Postgres jsonb refuses \u0000: this event can never be stored, so it must not block the stream.
    const unstorable = { ...eventRecord(ACCOUNT, newMessageId(), 'rmaEvent', '2026-03-01T00:00:01.000Z'), data: { note: 'nul\u0000byte' } };
    await publishJson(h.js, h.names.eventSubject(ACCOUNT, 'rmaEvent'), { message_id: 'x' }, { msgID: 'not-an-event' });
    await h.publishEvent(unstorable);
    await h.publishEvent(good);

    await waitFor(async () => (await h.directDb.selectFrom('events').select('message_id').where('message_id', '=', good.message_id).executeTakeFirst()) !== undefined, {
      label: 'the good event',
    });
    await waitFor(async () => (await h.jsm.consumers.info(h.names.streams.events, h.names.consumers.auditEvents)).num_ack_pending === 0, { label: 'everything settled' });
    expect(await h.directDb.selectFrom('events').select('message_id').where('message_id', '=', unstorable.message_id).executeTakeFirst()).toBeUndefined();
    const metrics = await h.registry.getSingleMetricAsString('hookmesh_audit_invalid_messages_total');
    expect(metrics).toContain('hookmesh_audit_invalid_messages_total{stream="events"} 2');
    // Both are kept on DEAD with why, and counted by stream and reason.
    const kept = (await deadLetters(h)).filter((dead) => dead.headers[DEAD_LETTER_HEADERS.source] === 'events');
    expect(kept.map((dead) => [dead.headers[DEAD_LETTER_HEADERS.reason], dead.headers[DEAD_LETTER_HEADERS.consumer]])).toEqual([
      ['breaks_contract', h.names.consumers.auditEvents],
      ['unstorable', h.names.consumers.auditEvents],
    ]);
    expect(JSON.parse(kept[1]!.body)).toMatchObject({ message_id: unstorable.message_id });
    const dead = await h.registry.getSingleMetricAsString('hookmesh_dead_letters_total');
    expect(dead).toContain('hookmesh_dead_letters_total{stream="events",reason="breaks_contract"} 1');
    expect(dead).toContain('hookmesh_dead_letters_total{stream="events",reason="unstorable"} 1');
  });

  it('stores the records of a dispatcher batch, dropping alone a record that breaks the contract or cannot be stored', async () => {
    const kept = deliveryRef(ACCOUNT, newMessageId(), 'cb-batch', 'orderEvent');
    const refused = deliveryRef(ACCOUNT, newMessageId(), 'cb-batch', 'orderEvent');
    const keptAttempt = attemptRecord(kept, { attempt: 1, startedAt: '2026-04-01T00:00:01.000Z', latencyMs: 12, statusCode: 200 });
    // Postgres text refuses \u0000 and the url is stored as given: this record can never be written.
    const unstorable = { ...attemptRecord(refused, { attempt: 1, startedAt: '2026-04-01T00:00:02.000Z', latencyMs: 9, statusCode: 200 }), url: 'https://client.com/\u0000' };
    const entries = [{ record: createdRecord(kept, '2026-04-01T00:00:00.000Z') }, { record: { kind: 'attempt', delivery_id: 'nope' } }, { record: unstorable }, { record: keptAttempt }];
    const before = await h.registry.getSingleMetricAsString('hookmesh_audit_invalid_messages_total');
    await publishJson(h.js, h.names.auditBatchSubject(ACCOUNT), { kind: 'batch', entries }, { msgID: `batch-${kept.messageId}` });
    await publishJson(h.js, h.names.auditBatchSubject(ACCOUNT), { kind: 'batch', entries: [] }, { msgID: `empty-${kept.messageId}` });

    await waitFor(async () => (await h.directDb.selectFrom('attempts').select('delivery_id').where('delivery_id', '=', kept.deliveryId).executeTakeFirst()) !== undefined, {
      label: 'the kept attempt',
    });
    await waitFor(async () => (await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords)).num_ack_pending === 0, { label: 'everything settled' });
    const delivery = await h.directDb.selectFrom('deliveries').select(['status', 'attempts_count']).where('id', '=', kept.deliveryId).executeTakeFirstOrThrow();
    expect(delivery).toEqual({ status: 'delivered', attempts_count: 1 });
    expect(await h.directDb.selectFrom('attempts').select('delivery_id').where('delivery_id', '=', refused.deliveryId).executeTakeFirst()).toBeUndefined();
    const invalid = (text: string) => Number(/hookmesh_audit_invalid_messages_total\{stream="audit"\} (\d+)/.exec(text)?.[1] ?? 0);
    // The broken record, the unstorable one, and the empty batch.
    expect(invalid(await h.registry.getSingleMetricAsString('hookmesh_audit_invalid_messages_total')) - invalid(before)).toBe(3);
    // Each is kept on DEAD: the two dropped entries of the batch alone (by index), the empty batch whole.
    const onDead = (await deadLetters(h)).filter((dead) => dead.headers[DEAD_LETTER_HEADERS.source] === 'audit');
    const described = onDead.map((dead) => ({ reason: dead.headers[DEAD_LETTER_HEADERS.reason], entry: dead.headers[DEAD_LETTER_HEADERS.entry] ?? null, body: JSON.parse(dead.body) as unknown }));
    expect(described).toHaveLength(3);
    expect(described).toEqual(
      expect.arrayContaining([
        { reason: 'breaks_contract', entry: '1', body: { kind: 'attempt', delivery_id: 'nope' } },
        { reason: 'unstorable', entry: '2', body: expect.objectContaining({ url: 'https://client.com/\u0000' }) },
        { reason: 'breaks_contract', entry: null, body: { kind: 'batch', entries: [] } },
      ]),
    );
  });
});
