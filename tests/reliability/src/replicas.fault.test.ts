// Two dispatchers and two audit writers share the work: both dispatchers deliver to one callback, each within its
// own per-callback bound and never the same delivery twice at once; then one of each is SIGKILLed mid-run. The
// survivors take over what the dead held (after ack_wait): nothing lost, and the audit counts are exact.
import { eventTypes } from '@hookmesh/contracts';
import { call, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'replicas';
const EVENTS = 200;
/** HOOKMESH_PER_CALLBACK_CONCURRENCY's default: a bound per dispatcher process (docs/deploy.md says why). */
const PER_CALLBACK = 10;
/** The shared-callback test's own account, so the kill test's audit books see none of its deliveries. */
const SHARING = 'sharing';

/** The sum of a counter's samples in a Prometheus text exposition. */
function counterTotal(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

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

  it('shares one callback between both dispatchers: each within its own bound, never one delivery twice at once', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const inFlightIds = new Set<string>();
    const overlapping: string[] = [];
    // A receiver of its own, so the kill test's ledger sees none of these requests.
    const sharedReceiver = await startReceiver(async (request) => {
      const id = String(request.headers['webhook-id']);
      if (inFlightIds.has(id)) overlapping.push(id);
      inFlightIds.add(id);
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 300));
      inFlight -= 1;
      inFlightIds.delete(id);
      return { status: 200, body: 'ok' };
    });
    const [callback] = await registerCallbacks(platform, SHARING, [{ url: sharedReceiver.url('/replicas/shared'), message_type: 'skuInventoryChange' }]);
    const before = await Promise.all(platform.instanceUrls('dispatcher').map(async (url) => counterTotal(await (await fetch(`${url}/metrics`)).text(), 'hookmesh_deliveries_total')));
    const data = eventTypes.skuInventoryChange.example.data;
    for (let sent = 0; sent < 160; sent += 40) {
      const response = await call(platform, 'event-ingest', SHARING, 'POST', '/events', Array.from({ length: 40 }, () => ({ message_type: 'skuInventoryChange', data })));
      expect(response.status).toBe(202);
    }
    const shared = () => new Set(sharedReceiver.requests.filter((request) => request.path === '/replicas/shared' && request.outcome === 'answered').map((request) => request.headers['webhook-id']));
    await waitFor(() => shared().size === 160, { timeoutMs: 60_000, intervalMs: 250, label: 'every shared delivery' }).finally(() => sharedReceiver.close());
    const after = await Promise.all(platform.instanceUrls('dispatcher').map(async (url) => counterTotal(await (await fetch(`${url}/metrics`)).text(), 'hookmesh_deliveries_total')));
    const byDispatcher = after.map((total, index) => total - before[index]!);
    console.log(`shared callback ${callback!.id}: 160 deliveries, by dispatcher ${byDispatcher.join(' / ')}, at most ${mostInFlight} in flight (bound ${PER_CALLBACK} per dispatcher)`);
    // Both delivered, together above one process's bound and never above the installation's (bound × replicas).
    expect(byDispatcher.every((count) => count > 0)).toBe(true);
    expect(mostInFlight).toBeGreaterThan(PER_CALLBACK);
    expect(mostInFlight).toBeLessThanOrEqual(2 * PER_CALLBACK);
    expect(overlapping).toEqual([]);
  }, 90_000);

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
