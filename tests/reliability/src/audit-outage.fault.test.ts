// Postgres unreachable for the audit service (its DATABASE_URL runs through a proxy the test cuts) while
// events flow; once it is back the audit log catches up to exactly what the receivers saw.
import { registerCallbacks, startPlatform, startReceiver, startTcpProxy, testPostgresUrl, viaProxy, waitFor, type Platform, type TcpProxy, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'auditdown';
const EVENTS = 100;

describe('Postgres unreachable for the audit service', () => {
  let proxy: TcpProxy;
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    // The server the platform creates its database on, wherever it runs (a local server or the run's container).
    const postgres = new URL(await testPostgresUrl());
    proxy = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    // The first request of one delivery in four fails, so there are more attempts than deliveries to count.
    const failedOnce = new Set<string>();
    receiver = await startReceiver((request) => {
      const delivery = String(request.headers['x-hookmesh-delivery']);
      if (/[0-3]$/.test(delivery) && !failedOnce.has(delivery)) {
        failedOnce.add(delivery);
        return { status: 500, body: 'try again' };
      }
      return { status: 200, body: 'ok' };
    });
    platform = await startPlatform({ label: 'faudit', env: FAST_ENV, databaseUrl: { audit: (url) => viaProxy(url, proxy) } });
  }, 120_000);

  afterAll(async () => {
    await proxy?.restore();
    await platform?.stop();
    await receiver?.close();
    await proxy?.close();
  });

  it('catches up after the outage with exact delivery and attempt counts', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const callbacks = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/audit/a'), message_type: 'shipmentEvent' },
      { url: receiver.url('/audit/b'), message_type: 'shipmentEvent' },
    ]);
    ledger.trust(callbacks);
    const readiness = async () => (await fetch(`${platform.urls.audit}/readyz`)).status;

    await proxy.cut();
    let outageMs = Date.now();
    await waitFor(async () => (await readiness()) === 503, { timeoutMs: 15_000, label: 'audit reports not ready' });
    const stats = await produceEvents(platform, ledger, {
      account: ACCOUNT,
      messageType: 'shipmentEvent',
      count: EVENTS,
      callbackIds: callbacks.map((callback) => callback.id),
    });
    // Deliveries do not depend on the audit database: they all arrive during the outage.
    await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 60_000, intervalMs: 250, label: 'every accepted event delivered' });
    const duringOutage = await fetch(`${platform.api('audit', ACCOUNT)}/messages/${ledger.acceptedIds()[0]}`, {
      headers: { authorization: `Bearer ${await platform.token(ACCOUNT)}` },
    });
    await proxy.restore();
    outageMs = Date.now() - outageMs;
    await waitFor(async () => (await readiness()) === 200, { timeoutMs: 15_000, label: 'audit ready again' });

    const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: callbacks.length });
    const report = ledger.report(receiver.requests);
    summarise('audit-postgres-cut', report, books, startedAt, { outageMs, retried503: stats.retried503 });

    expect(duringOutage.status).toBe(503);
    expect(duringOutage.headers.get('retry-after')).toBeTruthy();
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.forged).toEqual([]);
    expect(report.attempts).toBeGreaterThan(report.expected);
    expect(books.deliveries).toBe(report.expected);
    expect(books.byStatus).toEqual({ delivered: report.expected });
    expect(books.attempts).toBe(report.attempts);
    expect(books.unexplained).toEqual([]);
  });
});
