// Per-token rate limiting on the three public APIs: one caller past its burst gets 429 + Retry-After, while
// another account's token is still served at once.
import { startPlatform, waitFor, type Platform, type ServiceName } from '@hookmesh/testing';
import { problemViolations, send, type Answer } from './support/probe';

const RATE_PER_SECOND = 1;
const BURST = 3;
const ROUTES: ReadonlyArray<[ServiceName, string]> = [
  ['subscription-service', '/callbacks'],
  ['event-ingest', '/events'],
  ['audit', '/deliveries'],
];

describe('rate limiting per token', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ label: 'ratelimit', env: { HOOKMESH_RATE_LIMIT_PER_SECOND: String(RATE_PER_SECOND), HOOKMESH_RATE_LIMIT_BURST: String(BURST) } });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function get(service: ServiceName, path: string, account: string): Promise<Answer> {
    const token = await platform.token(account);
    // POST /events with an empty batch is refused with 400 after the limiter: it still counts, and stores nothing.
    const authorization = `Bearer ${token}`;
    if (service === 'event-ingest') {
      return send(`${platform.api(service, account)}${path}`, { method: 'POST', body: '[]', headers: { authorization, 'content-type': 'application/json' } });
    }
    return send(`${platform.api(service, account)}${path}`, { method: 'GET', headers: { authorization } });
  }

  it.each(ROUTES)('%s %s: the burst passes, then 429 with Retry-After for that token only', async (service, path) => {
    const noisy = `noisy-${service.replace(/[^a-z]/g, '')}`;
    const answers: Answer[] = [];
    for (let i = 0; i < BURST + 3; i++) answers.push(await get(service, path, noisy));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.slice(0, BURST).map((answer) => answer.status)).not.toContain(429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const answer of limited) {
      expect(problemViolations(answer, [429])).toEqual([]);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }

    // Another account's token is served at once, while the noisy one is still limited.
    const quiet = await get(service, path, `quiet-${service.replace(/[^a-z]/g, '')}`);
    expect(quiet.status).not.toBe(429);
    expect((await get(service, path, noisy)).status).toBe(429);

    // After Retry-After the noisy token is served again.
    const retryAfterMs = Number(limited[0]!.headers.get('retry-after')) * 1000;
    await waitFor(async () => (await get(service, path, noisy)).status !== 429, { timeoutMs: retryAfterMs + 3_000, intervalMs: 500, label: 'served again after Retry-After' });
  });
});
