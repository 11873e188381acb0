import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newMessageId } from '@hookmesh/contracts';
import { startTcpProxy, testPostgresUrl, viaProxy, waitFor, type TcpProxy } from '@hookmesh/testing';
import { sql } from 'kysely';
import { isPostgresUnavailable } from '@hookmesh/db';
import { attemptRecord, createdRecord, deliveryRef, eventRecord, startAuditHarness, type AuditHarness } from '../test-support';

const ACCOUNT = 'masonhub';

describe('a Postgres outage (cut through a TCP proxy; the shared server keeps running)', () => {
  let proxy: TcpProxy;
  let h: AuditHarness;

  beforeAll(async () => {
    // The server the harness creates its database on, wherever it runs (a local server or the run's container).
    const postgres = new URL(await testPostgresUrl());
    proxy = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    h = await startAuditHarness('outage', {
      databaseUrl: (url) => viaProxy(url, proxy),
      connectionTimeoutMs: 500,
    });
    h.startConsumers({ retryDelayMs: 300 });
  });
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  async function counts(): Promise<{ events: number; deliveries: number; attempts: number; attempts_counted: number }> {
    const { rows } = await sql<{ events: number; deliveries: number; attempts: number; attempts_counted: number }>`
      select (select count(*) from events)::int as events, (select count(*) from deliveries)::int as deliveries,
             (select count(*) from attempts)::int as attempts, (select coalesce(sum(attempts_count), 0) from deliveries)::int as attempts_counted`.execute(h.directDb);
    return rows[0] ?? { events: -1, deliveries: -1, attempts: -1, attempts_counted: -1 };
  }

  async function publishDeliveries(n: number, minute: number): Promise<void> {
    for (let i = 0; i < n; i += 1) {
      const messageId = newMessageId();
      const ref = deliveryRef(ACCOUNT, messageId, `cb-${i % 3}`, 'orderEvent');
      const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, minute, second)).toISOString();
      await h.publishEvent(eventRecord(ACCOUNT, messageId, 'orderEvent', at(0)));
      await h.publishRecord(createdRecord(ref, at(1)));
      await h.publishRecord(attemptRecord(ref, { attempt: 1, startedAt: at(2), latencyMs: 25, statusCode: 200 }));
    }
  }

  it('keeps messages unacked, reports not ready and answers 503, then catches up with exact counts', async () => {
    await publishDeliveries(10, 0);
    // Event rows come from their own consumer: both must be in before the cut, or the last event waits it out.
    await waitFor(async () => {
      const now = await counts();
      return now.attempts === 10 && now.events === 10;
    }, { label: 'rows before the outage' });

    await proxy.cut();
    await publishDeliveries(15, 1);

    const ready = await waitFor(async () => {
      const res = await fetch(`${h.url}/readyz`);
      return res.status === 503 ? res : undefined;
    }, { label: 'not ready' });
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks).toMatchObject({ postgres: { ok: false }, nats: { ok: true } });

    const query = await h.call(`/${ACCOUNT}/api/v1/deliveries`);
    expect(query.status).toBe(503);
    expect(query.headers.get('retry-after')).toBe('5');
    expect(query.headers.get('content-type')).toContain('application/problem+json');

    // Nothing was stored meanwhile, and JetStream still holds every message of the outage for audit.
    await waitFor(async () => (await h.registry.getSingleMetricAsString('hookmesh_audit_batch_failures_total')).includes('reason="postgres"'), {
      label: 'a failed batch',
    });
    expect(await counts()).toEqual({ events: 10, deliveries: 10, attempts: 10, attempts_counted: 10 });
    const auditConsumer = await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords);
    expect(auditConsumer.ack_floor.stream_seq).toBe(20);

    await proxy.restore();
    // The event rows come from the EVENTS consumer and the rest from AUDIT: each catches up on its own retry.
    await waitFor(async () => {
      const now = await counts();
      return now.attempts === 25 && now.events === 25;
    }, { label: 'caught up after the outage', timeoutMs: 20_000 });
    await waitFor(async () => (await h.jsm.consumers.info(h.names.streams.audit, h.names.consumers.auditRecords)).num_ack_pending === 0, { label: 'all acked' });
    expect(await counts()).toEqual({ events: 25, deliveries: 25, attempts: 25, attempts_counted: 25 });
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect((await h.call(`/${ACCOUNT}/api/v1/deliveries?status=delivered&limit=200`).then((r) => r.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(25);
  });

  it('rejects a transaction whose connection drops midway as an outage, without crashing the process', async () => {
    const failure = await h.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await proxy.cut();
        await sql`select 1`.execute(trx);
      })
      .then(
        () => 'committed',
        (error: unknown) => error,
      );
    expect(isPostgresUnavailable(failure)).toBe(true);
    await proxy.restore();
    await waitFor(async () => (await fetch(`${h.url}/readyz`)).status === 200, { label: 'ready after the drop' });
  });
});
