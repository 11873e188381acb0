// Rate limits on the three public APIs, keyed by account and shared by every replica: one account past its burst gets
// 429 + Retry-After on whichever replica it reaches and with whatever `sub` its tokens carry, while another account is
// served at once. Ingest also charges each account its events, so one account flooding 500-event batches through two
// ingest replicas is held to its rate and the other account's ingest stays quick.
import { eventTypes } from '@hookmesh/contracts';
import { startPlatform, waitFor, type Platform, type ServiceName } from '@hookmesh/testing';
import { problemViolations, send, type Answer } from './support/probe';

const RATE_PER_SECOND = 1;
const BURST = 3;
const ROUTES: ReadonlyArray<[ServiceName, string]> = [
  ['subscription-service', '/callbacks'],
  ['event-ingest', '/events'],
  ['audit', '/deliveries'],
];

describe('rate limiting per account, shared by the replicas', () => {
  let platform: Platform;
  let sent = 0;

  beforeAll(async () => {
    platform = await startPlatform({
      label: 'ratelimit',
      env: { HOOKMESH_RATE_LIMIT_PER_SECOND: String(RATE_PER_SECOND), HOOKMESH_RATE_LIMIT_BURST: String(BURST) },
      instances: { 'subscription-service': 2, 'event-ingest': 2, audit: 2 },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** One request with a token of a fresh `sub`, to the next replica in turn. */
  async function get(service: ServiceName, path: string, account: string): Promise<Answer> {
    const instances = platform.instanceUrls(service);
    const base = `${instances[sent % instances.length]}/${account}/api/v1`;
    sent += 1;
    const authorization = `Bearer ${await platform.token(account, undefined, { subject: `sub-${sent}` })}`;
    // POST /events with an empty batch is refused with 400 after the limiter: it still counts, and stores nothing.
    if (service === 'event-ingest') {
      return send(`${base}${path}`, { method: 'POST', body: '[]', headers: { authorization, 'content-type': 'application/json' } });
    }
    return send(`${base}${path}`, { method: 'GET', headers: { authorization } });
  }

  it.each(ROUTES)('%s %s: the burst passes, then 429 with Retry-After on both replicas, for that account only', async (service, path) => {
    const noisy = `noisy-${service.replace(/[^a-z]/g, '')}`;
    const answers: Answer[] = [];
    for (let i = 0; i < BURST; i++) answers.push(await get(service, path, noisy));
    // The replicas share what they admitted every 100 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 4; i++) answers.push(await get(service, path, noisy));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.slice(0, BURST).map((answer) => answer.status)).not.toContain(429);
    // Four more requests within the refill of about one token, spread over both replicas: at most one passes.
    expect(limited.length).toBeGreaterThanOrEqual(3);
    for (const answer of limited) {
      expect(problemViolations(answer, [429])).toEqual([]);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }

    // Another account is served at once, while the noisy one is still limited.
    const quiet = await get(service, path, `quiet-${service.replace(/[^a-z]/g, '')}`);
    expect(quiet.status).not.toBe(429);
    expect((await get(service, path, noisy)).status).toBe(429);

    // After Retry-After the noisy account is served again.
    const retryAfterMs = Number(limited[0]!.headers.get('retry-after')) * 1000;
    await waitFor(async () => (await get(service, path, noisy)).status !== 429, { timeoutMs: retryAfterMs + 3_000, intervalMs: 500, label: 'served again after Retry-After' });
  });
});

// Below the defaults (1,000/s, burst 5,000), so that even a machine slowed by other work lets the flooder pass them.
const EVENTS_PER_SECOND = 250;
const EVENTS_BURST = 1_000;
const PRODUCERS = 6;
const FLOOD_MS = 8_000;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('one account flooding ingest through two replicas', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      label: 'flood',
      env: { HOOKMESH_INGEST_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND), HOOKMESH_INGEST_EVENTS_BURST: String(EVENTS_BURST) },
      instances: { 'event-ingest': 2 },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it(`holds the flooder to ${EVENTS_PER_SECOND} events/s across both replicas and serves the other account without a 429`, async () => {
    const ingest = platform.instanceUrls('event-ingest');
    const floodToken = await platform.token('flood');
    const quietToken = await platform.token('quiet');
    const data = eventTypes.orderEvent.example.data;
    const batch = JSON.stringify(Array.from({ length: 500 }, () => ({ message_type: 'orderEvent', data })));
    const single = JSON.stringify({ message_type: 'orderEvent', data });
    const post = (url: string, token: string, body: string) =>
      fetch(`${url}/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });

    // The quiet account posts one event at a time, alternating replicas, and times each.
    async function quietRun(ms: number): Promise<{ latencies: number[]; statuses: number[] }> {
      const latencies: number[] = [];
      const statuses: number[] = [];
      const until = Date.now() + ms;
      for (let n = 0; Date.now() < until; n += 1) {
        const started = performance.now();
        statuses.push(await post(`${ingest[n % ingest.length]}/quiet/api/v1`, quietToken, single));
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { latencies, statuses };
    }

    const baseline = await quietRun(3_000);
    const flood = { accepted: 0, refused: 0, other: 0 };
    const floodStarted = Date.now();
    const producers = Array.from({ length: PRODUCERS }, async (_, lane) => {
      // Hostile: no back-off on 429, every replica in turn.
      for (let n = lane; Date.now() - floodStarted < FLOOD_MS; n += 1) {
        const status = await post(`${ingest[n % ingest.length]}/flood/api/v1`, floodToken, batch);
        if (status === 202) flood.accepted += 1;
        else if (status === 429) flood.refused += 1;
        else flood.other += 1;
      }
    });
    const during = await quietRun(FLOOD_MS - 500);
    await Promise.all(producers);
    const floodSeconds = (Date.now() - floodStarted) / 1000;

    const stored = flood.accepted * 500;
    console.log(
      `security figures (ingest flood, ${PRODUCERS} producers of 500-event batches over 2 replicas, limit ${EVENTS_PER_SECOND}/s burst ${EVENTS_BURST}): ` +
        `flooder ${flood.accepted + flood.refused + flood.other} requests, ${flood.refused} answered 429, ${stored} events stored (${Math.round(stored / floodSeconds)}/s); ` +
        `quiet account ingest p50/p95 ${percentile(baseline.latencies, 50).toFixed(1)}/${percentile(baseline.latencies, 95).toFixed(1)} ms alone, ` +
        `${percentile(during.latencies, 50).toFixed(1)}/${percentile(during.latencies, 95).toFixed(1)} ms during the flood (${during.latencies.length} requests)`,
    );
    expect(flood.other).toBe(0);
    expect(flood.refused).toBeGreaterThan(0);
    // The sustained rate, one burst per replica, and one sync interval of the other replica's admissions.
    expect(stored).toBeLessThanOrEqual(EVENTS_PER_SECOND * floodSeconds + 2 * EVENTS_BURST + EVENTS_PER_SECOND * 0.2 + 500);
    expect([...baseline.statuses, ...during.statuses].every((status) => status === 202)).toBe(true);
  });
});
