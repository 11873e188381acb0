// A dispatcher SIGKILLed while receivers hold its requests open: the answers go nowhere, the tasks come
// back after ack_wait to the restarted process, and every accepted event still arrives.
import { registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'killed';
const EVENTS = 120;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('a dispatcher SIGKILLed with requests in flight', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  // Around the kill no answer leaves: a loaded machine could otherwise let a 600 ms timer fire before the socket's
  // end is read, answering a sender that is already dead (and no request would count as abandoned).
  let answersHeld: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    // Every answer is late: at the kill, up to the per-callback limit of requests are open.
    receiver = await startReceiver(async () => {
      await sleep(600);
      await answersHeld;
      return { status: 200, body: 'ok' };
    });
    platform = await startPlatform({ label: 'fkill', env: FAST_ENV });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('loses none of the accepted events, and the audit explains every attempt exactly once', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const callbacks = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/kill/a'), message_type: 'orderEvent' },
      { url: receiver.url('/kill/b'), message_type: 'orderEvent' },
    ]);
    ledger.trust(callbacks);

    let abandonedAtKill = 0;
    const stats = await produceEvents(platform, ledger, {
      account: ACCOUNT,
      messageType: 'orderEvent',
      count: EVENTS,
      callbackIds: callbacks.map((callback) => callback.id),
      onAccepted: async (accepted) => {
        if (accepted !== 40) return;
        let release = () => {};
        answersHeld = new Promise<void>((resolve) => (release = resolve));
        await waitFor(() => receiver.requests.filter((request) => request.outcome === 'pending').length >= 5, { timeoutMs: 20_000, label: 'requests held open' });
        await platform.kill('dispatcher', 'SIGKILL');
        await waitFor(() => !receiver.requests.some((request) => request.outcome === 'pending'), { timeoutMs: 5_000, label: 'open requests closed by the kill' });
        abandonedAtKill = receiver.requests.filter((request) => request.outcome === 'abandoned').length;
        release();
        await platform.start('dispatcher');
      },
    });

    await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 60_000, intervalMs: 250, label: 'every accepted event delivered' });
    const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: callbacks.length });
    const report = ledger.report(receiver.requests);
    summarise('dispatcher-sigkill', report, books, startedAt, { abandoned: abandonedAtKill, retried503: stats.retried503 });

    expect(abandonedAtKill).toBeGreaterThan(0);
    expect(report.accepted).toBe(EVENTS);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.forged).toEqual([]);
    expect(books.deliveries).toBe(report.expected);
    expect(books.byStatus).toEqual({ delivered: report.expected });
    expect(books.unexplained).toEqual([]);
    expect(books.attempts).toBe(report.attempts);
  });
});
