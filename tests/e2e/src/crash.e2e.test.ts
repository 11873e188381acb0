// At-least-once across a crash: the dispatcher is SIGKILLed in the middle of 1,000 events and
// started again; every accepted event must still arrive.
import { eventTypes } from '@hookmesh/contracts';

import { call, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type TestReceiver } from '@hookmesh/testing';

const ACCOUNT = 'crashy';
const EVENTS = 1_000;
const BATCH = 100;

describe('a dispatcher killed mid-stream', () => {
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ label: 'crash' });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  it('loses none of 1,000 events when SIGKILLed and restarted (duplicates counted, not failed)', async () => {
    await registerCallbacks(platform, ACCOUNT, [{ url: receiver.url('/crash'), message_type: 'skuInventoryChange' }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const data = (eventTypes.skuInventoryChange.example as { data: unknown }).data;

    const accepted: string[] = [];
    for (let sent = 0; sent < EVENTS; sent += BATCH) {
      const batch = Array.from({ length: BATCH }, () => ({ message_type: 'skuInventoryChange', data }));
      const response = await call<{ events: Array<{ message_id: string }> }>(platform, 'event-ingest', ACCOUNT, 'POST', '/events', batch);
      expect(response.status).toBe(202);
      accepted.push(...response.body.events.map((event) => event.message_id));
      if (sent === 2 * BATCH) {
        await waitFor(() => receiver.requests.length >= 50, { timeoutMs: 30_000, label: 'deliveries under way' });
        await platform.kill('dispatcher', 'SIGKILL');
      }
    }
    const arrivedBeforeRestart = receiver.requests.length;
    await platform.start('dispatcher');

    const wanted = new Set(accepted);
    await waitFor(
      () => {
        const seen = new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));
        return [...wanted].every((id) => seen.has(id));
      },
      { timeoutMs: 90_000, intervalMs: 250, label: 'every accepted event delivered' },
    );
    const counts = new Map<string, number>();
    for (const request of receiver.requests) counts.set(String(request.headers['webhook-id']), (counts.get(String(request.headers['webhook-id'])) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0);
    const unexpected = [...counts.keys()].filter((id) => !wanted.has(id));
    console.log(`crash test: accepted=${accepted.length} delivered=${counts.size} duplicates=${duplicates} before-restart=${arrivedBeforeRestart}`);
    expect(accepted).toHaveLength(EVENTS);
    expect(counts.size).toBe(EVENTS);
    expect(unexpected).toEqual([]);
  });
});
