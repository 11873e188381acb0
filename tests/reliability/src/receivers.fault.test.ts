// Receivers that misbehave in every way an endpoint can: 500s, 410 Gone, hanging past the timeout, slow
// answers, connection resets, 301 redirects. Each delivery ends in the right state, every attempt explained.
import { call, registerCallbacks, startPlatform, startReceiver, waitFor, type Answer, type DeliveryView, type Platform, type TestReceiver } from '@hookmesh/testing';
import { readAuditBooks } from './audit-books';
import { FAST_ENV, summarise } from './fault-settings';
import { createLedger } from './ledger';
import { produceEvents } from './producer';

const ACCOUNT = 'endpoints';
const EVENTS = 10;
const ATTEMPTS = FAST_ENV['HOOKMESH_RETRY_SCHEDULE']!.split(',').length;

type AuditedAttempt = { attempt: number; status_code: number | null; outcome: string; error_class: string | null; latency_ms: number };
type AuditedDelivery = DeliveryView & { attempts: AuditedAttempt[] };

/** Per endpoint: how it answers the nth request of one delivery. */
const endpoints: Record<string, (nth: number) => Answer> = {
  '/flaky-500': (nth) => (nth <= 2 ? { status: 500, body: 'boom' } : { status: 200 }),
  '/hang': (nth) => (nth === 1 ? { status: 200, delayMs: 3_000 } : { status: 200 }),
  '/slow': () => ({ status: 200, body: 'eventually', delayMs: 1_000 }),
  '/reset': (nth) => (nth === 1 ? { reset: true } : { status: 200 }),
  '/gone-410': () => ({ status: 410, body: 'unsubscribed' }),
  '/moved-301': () => ({ status: 301, headers: { location: '/moved-target' } }),
};

describe('receivers that fail in every way', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    const perDelivery = new Map<string, number>();
    receiver = await startReceiver((request) => {
      const key = `${request.path}/${String(request.headers['x-hookmesh-delivery'])}`;
      const nth = (perDelivery.get(key) ?? 0) + 1;
      perDelivery.set(key, nth);
      return endpoints[request.path]?.(nth) ?? { status: 404 };
    });
    platform = await startPlatform({ label: 'frecv', env: FAST_ENV });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  async function detail(id: string): Promise<AuditedDelivery> {
    return (await call<AuditedDelivery>(platform, 'audit', ACCOUNT, 'GET', `/deliveries/${id}`)).body;
  }

  it('delivers after recovery, fails the gone and the redirecting, disables the gone callback, and explains each attempt', async () => {
    const startedAt = Date.now();
    const ledger = createLedger();
    const recovering = await registerCallbacks(
      platform,
      ACCOUNT,
      ['/flaky-500', '/hang', '/slow', '/reset'].map((path) => ({ url: receiver.url(path), message_type: 'orderEvent' })),
    );
    const failing = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/gone-410'), message_type: 'rmaEvent' },
      { url: receiver.url('/moved-301'), message_type: 'rmaEvent' },
    ]);
    ledger.trust([...recovering, ...failing]);
    const pathOf = new Map([...recovering, ...failing].map((callback) => [callback.id, new URL(callback.url).pathname]));

    await produceEvents(platform, ledger, { account: ACCOUNT, messageType: 'orderEvent', count: EVENTS, callbackIds: recovering.map((callback) => callback.id) });
    // One event to the failing pair: nothing must be acknowledged, so the ledger expects no delivery of it.
    const failingLedger = createLedger();
    failingLedger.trust(failing);
    await produceEvents(platform, failingLedger, { account: ACCOUNT, messageType: 'rmaEvent', count: 1, callbackIds: [] });

    await waitFor(() => ledger.report(receiver.requests).lost.length === 0, { timeoutMs: 60_000, intervalMs: 250, label: 'every recovering endpoint delivered' });
    const books = await readAuditBooks(platform, ACCOUNT, ledger.acceptedIds(), { callbacksPerMessage: recovering.length });
    const failedBooks = await readAuditBooks(platform, ACCOUNT, failingLedger.acceptedIds(), {
      callbacksPerMessage: failing.length,
      settled: (delivery) => delivery.status === 'failed',
    });
    const report = ledger.report(receiver.requests);
    summarise('receivers', report, books, startedAt, { failedDeliveries: failedBooks.deliveries, failedAttempts: failedBooks.attempts });

    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.forged).toEqual([]);
    expect(books.byStatus).toEqual({ delivered: EVENTS * recovering.length });
    expect(books.unexplained).toEqual([]);
    expect(failedBooks.byStatus).toEqual({ failed: 2 });
    expect(failedBooks.unexplained).toEqual([]);
    // Every request any endpoint got is an attempt in the audit log, no more, no less.
    expect(books.attempts + failedBooks.attempts).toBe(report.attempts);
    expect(failingLedger.report(receiver.requests).delivered).toBe(0);
    // No redirect is followed.
    expect(receiver.requests.filter((request) => request.path === '/moved-target')).toEqual([]);

    const attemptsBy = new Map<string, AuditedAttempt[][]>();
    for (const messageId of [...ledger.acceptedIds(), ...failingLedger.acceptedIds()]) {
      const view = await call<{ deliveries: DeliveryView[] }>(platform, 'audit', ACCOUNT, 'GET', `/messages/${messageId}`);
      for (const delivery of view.body.deliveries) {
        const path = pathOf.get(delivery.callback_id)!;
        attemptsBy.set(path, [...(attemptsBy.get(path) ?? []), (await detail(delivery.id)).attempts]);
      }
    }
    const shape = (path: string) => attemptsBy.get(path)!.map((attempts) => attempts.map((a) => [a.status_code, a.outcome, a.error_class]));
    const everyDelivery = <T>(path: string, expected: T) => expect(shape(path)).toEqual(Array.from({ length: attemptsBy.get(path)!.length }, () => expected));

    expect(attemptsBy.get('/flaky-500')).toHaveLength(EVENTS);
    everyDelivery('/flaky-500', [
      [500, 'retrying', 'http_status'],
      [500, 'retrying', 'http_status'],
      [200, 'delivered', null],
    ]);
    everyDelivery('/hang', [
      [null, 'retrying', 'timeout'],
      [200, 'delivered', null],
    ]);
    everyDelivery('/slow', [[200, 'delivered', null]]);
    expect(Math.min(...attemptsBy.get('/slow')!.map(([attempt]) => attempt!.latency_ms))).toBeGreaterThanOrEqual(900);
    everyDelivery('/reset', [
      [null, 'retrying', 'reset'],
      [200, 'delivered', null],
    ]);
    everyDelivery('/gone-410', [[410, 'failed', 'http_status']]);
    everyDelivery('/moved-301', [
      ...Array.from({ length: ATTEMPTS - 1 }, () => [301, 'retrying', 'redirect']),
      [301, 'failed', 'redirect'],
    ]);

    const gone = failing[0]!;
    const disabled = await waitFor(
      async () => {
        const response = await call<{ status: string }>(platform, 'subscription-service', ACCOUNT, 'GET', `/callbacks/${gone.id}`);
        return response.body.status === 'disabled' ? response.body : undefined;
      },
      { timeoutMs: 15_000, label: 'the 410 callback disabled' },
    );
    expect(disabled.status).toBe('disabled');
    const moved = await call<{ status: string }>(platform, 'subscription-service', ACCOUNT, 'GET', `/callbacks/${failing[1]!.id}`);
    expect(moved.body.status).toBe('active');
  });
});
