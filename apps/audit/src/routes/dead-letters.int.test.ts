// GET /admin/api/v1/dead_letters: what the consumers gave up on, newest first, page by page, for operators only.
import { DeadLettersResponse, newMessageId } from '@hookmesh/contracts';
import { signDevToken } from '@hookmesh/http';
import { publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { TEST_JWT_SECRET, eventRecord, startAuditHarness, type AuditHarness } from '../test-support';

describe('GET /admin/api/v1/dead_letters', () => {
  let h: AuditHarness;
  let operator: string;

  beforeAll(async () => {
    h = await startAuditHarness('deadletters');
    h.startConsumers();
    operator = await signDevToken({ secret: TEST_JWT_SECRET, scopes: ['admin'], subject: 'ops' });
  });
  afterAll(async () => {
    await h.close();
  });

  const list = async (query = '', token = operator) => fetch(`${h.url}/admin/api/v1/dead_letters${query}`, { headers: { authorization: `Bearer ${token}` } });

  it('lists what the consumers gave up on, newest first, with keyset pages, and nothing twice', async () => {
    const good = eventRecord('acme', newMessageId(), 'orderEvent', '2026-06-01T00:00:00.000Z');
    await h.js.publish(h.names.eventSubject('acme', 'orderEvent'), new TextEncoder().encode('{"oops"'), { msgID: 'not-json' });
    await publishJson(h.js, h.names.eventSubject('acme', 'orderEvent'), { message_id: 'only-an-id' }, { msgID: 'no-contract' });
    await publishJson(h.js, h.names.auditSubject('acme', 'attempt'), { kind: 'attempt' }, { msgID: 'bad-record' });
    await h.publishEvent(good);
    await waitFor(async () => ((await (await list()).json()) as DeadLettersResponse).dead_letters.length === 3, { label: 'three dead letters' });

    const all = DeadLettersResponse.parse(await (await list()).json());
    expect(all.next_cursor).toBeNull();
    expect(all.dead_letters.map((dead) => dead.seq)).toEqual([...all.dead_letters.map((dead) => dead.seq)].sort((a, b) => b - a));
    expect(all.dead_letters.map((dead) => `${dead.stream}/${dead.reason}`).sort()).toEqual(['audit/breaks_contract', 'events/breaks_contract', 'events/not_json']);
    const notJson = all.dead_letters.find((dead) => dead.reason === 'not_json')!;
    expect(notJson).toMatchObject({
      stream: 'events',
      subject: h.names.eventSubject('acme', 'orderEvent'),
      consumer: h.names.consumers.auditEvents,
      problem: 'body is not JSON',
      payload_excerpt: '{"oops"',
      payload_bytes: 7,
      payload_truncated: false,
    });

    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const page = DeadLettersResponse.parse(await (await list(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)).json());
      pages.push(page.dead_letters.map((dead) => dead.seq));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat()).toEqual(all.dead_letters.map((dead) => dead.seq));

    const metrics = await h.registry.getSingleMetricAsString('hookmesh_dead_letters_total');
    expect(metrics).toContain('hookmesh_dead_letters_total{stream="events",reason="not_json"} 1');
    expect(metrics).toContain('hookmesh_dead_letters_total{stream="audit",reason="breaks_contract"} 1');
  });

  it('is for operators: 401 without a token, 403 for an account token, 400 for a cursor it never gave', async () => {
    expect((await fetch(`${h.url}/admin/api/v1/dead_letters`)).status).toBe(401);
    const account = await list('', await h.token('acme'));
    expect(account.status).toBe(403);
    expect(account.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await list('?cursor=abc')).status).toBe(400);
    expect((await list('?limit=101')).status).toBe(400);
  });
});
