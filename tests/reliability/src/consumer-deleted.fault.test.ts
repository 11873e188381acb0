// The shared delivery consumer deleted under two running dispatchers (an operator's slip, a botched migration):
// they notice, re-create it and go on; nothing accepted is lost.
import { natsNames } from '@hookmesh/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'noconsumer';
const EVENTS = 150;

describe('the delivery consumer deleted while dispatchers run', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 50 }));
    platform = await startPlatform({ label: 'fconsumer', env: FAST_ENV, instances: { dispatcher: 2 } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('re-creates it and delivers every accepted event', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const callbacks = await registerCallbacks(platform, ACCOUNT, [{ url: receiver.url('/consumer'), message_type: 'inboundShipmentEvent' }]);
    ledger.trust(callbacks);
    const names = natsNames(platform.prefix);
    const nc = await connect({ servers: platform.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      let deletedAt = 0;
      await produceEvents(platform, ledger, {
        account: ACCOUNT,
        messageType: 'inboundShipmentEvent',
        count: EVENTS,
        callbackIds: callbacks.map((callback) => callback.id),
        onAccepted: async (accepted) => {
          if (accepted !== 60) return;
          await waitFor(() => receiver.requests.length >= 20, { timeoutMs: 20_000, label: 'deliveries under way' });
          expect(await jsm.consumers.delete(names.streams.deliveries, names.consumers.dispatcherDelivery)).toBe(true);
          deletedAt = receiver.requests.length;
        },
      });
      await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 90_000, intervalMs: 250, label: 'every accepted event delivered' });
      const consumer = await jsm.consumers.info(names.streams.deliveries, names.consumers.dispatcherDelivery);
      const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: 1 });
      const report = ledger.report(receiver.requests);
      summarise('delivery-consumer-deleted', report, books, startedAt, { receivedBeforeDelete: deletedAt });

      expect(consumer.config.durable_name).toBe(names.consumers.dispatcherDelivery);
      expect(deletedAt).toBeLessThan(EVENTS);
      expect(report.lost).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.forged).toEqual([]);
      expect(books.byStatus).toEqual({ delivered: EVENTS });
      expect(books.attempts).toBe(report.attempts);
      expect(books.unexplained).toEqual([]);
    } finally {
      await nc.close();
    }
  });
});
