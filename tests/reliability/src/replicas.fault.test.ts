// Two dispatchers and two audit writers share the work; one of each is SIGKILLed mid-run. The survivors take
// over what the dead held (after ack_wait): nothing lost, and the audit counts are exact.
import { registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'replicas';
const EVENTS = 200;

describe('two dispatchers and two audit writers, one of each killed', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 100 }));
    platform = await startPlatform({ label: 'freplica', env: FAST_ENV, instances: { dispatcher: 2, audit: 2 } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('loses nothing and audits every delivery and attempt exactly once', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const callbacks = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/replicas/a'), message_type: 'qualityEvent' },
      { url: receiver.url('/replicas/b'), message_type: 'qualityEvent' },
    ]);
    ledger.trust(callbacks);

    let pendingAtKill = 0;
    await produceEvents(platform, ledger, {
      account: ACCOUNT,
      messageType: 'qualityEvent',
      count: EVENTS,
      callbackIds: callbacks.map((callback) => callback.id),
      onAccepted: async (accepted) => {
        if (accepted !== 80) return;
        await waitFor(() => receiver.requests.filter((request) => request.outcome === 'pending').length >= 4, { timeoutMs: 20_000, label: 'requests in flight' });
        pendingAtKill = receiver.requests.filter((request) => request.outcome === 'pending').length;
        // Instance 1 of each: the tests read the audit API through instance 0, which lives on.
        await Promise.all([platform.kill('dispatcher', 'SIGKILL', 1), platform.kill('audit', 'SIGKILL', 1)]);
      },
    });

    await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 90_000, intervalMs: 250, label: 'every accepted event delivered' });
    const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: callbacks.length });
    const report = ledger.report(receiver.requests);
    summarise('replicas-one-killed', report, books, startedAt, { pendingAtKill });

    expect(platform.running('dispatcher', 1)).toBe(false);
    expect(platform.running('audit', 1)).toBe(false);
    expect(report.accepted).toBe(EVENTS);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.forged).toEqual([]);
    expect(books.deliveries).toBe(report.expected);
    expect(books.byStatus).toEqual({ delivered: report.expected });
    expect(books.attempts).toBe(report.attempts);
    expect(books.unexplained).toEqual([]);
  });
});
