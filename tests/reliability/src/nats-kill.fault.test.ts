// nats-server SIGKILLed twice, once mid-ingest and once mid-delivery, and restarted on the same data folder:
// producers retry their 503s with the same idempotency key, and every 202 is still delivered.
import { registerCallbacks, startOwnNatsServer, startPlatform, startReceiver, waitFor, type OwnNatsServer, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'natsdown';
const EVENTS = 150;
const OUTAGE_MS = 1_500;

describe('nats-server SIGKILLed mid-ingest and mid-delivery', () => {
  let nats: OwnNatsServer;
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    nats = await startOwnNatsServer();
    // A little latency per answer keeps deliveries spread out, so the second kill lands mid-delivery.
    receiver = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 100 }));
    // Two deliveries at a time to the one callback (~20/s): the events must still be flowing at the second kill,
    // however fast the dispatcher has become.
    platform = await startPlatform({ label: 'fnats', env: { ...FAST_ENV, HOOKMESH_PER_CALLBACK_CONCURRENCY: '2' }, natsUrl: nats.url });
  }, 120_000);

  afterAll(async () => {
    await nats?.start();
    await platform?.stop();
    await receiver?.close();
    await nats?.destroy();
  });

  /**
   * NATS down for at least OUTAGE_MS and, with `until`, until that holds (bounded): on a slower machine event-ingest
   * may notice the dead connection only after a fixed outage is over, and nats.js then delivers the buffered
   * publishes after the reconnect, so the producers would see no 503 at all.
   */
  async function outage(until?: () => boolean): Promise<void> {
    await nats.stop('SIGKILL');
    try {
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      if (until) await waitFor(until, { timeoutMs: 30_000, intervalMs: 50, label: 'a producer answered 503 while NATS is down' });
    } finally {
      await nats.start();
    }
  }

  it('loses none of the events that got a 202 and delivers no event that did not', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const callbacks = await registerCallbacks(platform, ACCOUNT, [{ url: receiver.url('/nats'), message_type: 'skuInventoryChange' }]);
    ledger.trust(callbacks);

    let outageDuringIngest: Promise<void> | undefined;
    let unavailable = 0;
    const stats = await produceEvents(platform, ledger, {
      account: ACCOUNT,
      messageType: 'skuInventoryChange',
      count: EVENTS,
      callbackIds: callbacks.map((callback) => callback.id),
      lanes: 6,
      giveUpAfterMs: 45_000,
      onAccepted: (accepted) => {
        // Not awaited: the other lanes keep posting into the outage and collect their 503s.
        if (accepted === 50) outageDuringIngest = outage(() => unavailable > 0);
      },
      onUnavailable: (count) => {
        unavailable = count;
      },
    });
    await outageDuringIngest;

    const deliveredBefore = ledger.report(receiver.requests).delivered;
    await waitFor(() => ledger.report(receiver.requests).delivered >= Math.min(deliveredBefore + 10, EVENTS - 20), { timeoutMs: 30_000, label: 'deliveries under way again' });
    const deliveredAtSecondKill = ledger.report(receiver.requests).delivered;
    await outage();

    await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 90_000, intervalMs: 250, label: 'every accepted event delivered' });
    const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: 1 });
    const report = ledger.report(receiver.requests);
    summarise('nats-sigkill', report, books, startedAt, { retried503: stats.retried503, retriedNetwork: stats.retriedNetwork, deliveredAtSecondKill });

    expect(stats.retried503).toBeGreaterThan(0);
    expect(deliveredAtSecondKill).toBeLessThan(EVENTS);
    expect(report.accepted).toBe(EVENTS);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.forged).toEqual([]);
    expect(books.deliveries).toBe(EVENTS);
    expect(books.byStatus).toEqual({ delivered: EVENTS });
    expect(books.unexplained).toEqual([]);
  });
});
