// Messages the dispatcher must give up on are kept on DEAD and counted, not dropped with a log line.
import { DEAD_LETTER_HEADERS, NOT_BEFORE_HEADER } from '@hookmesh/contracts';
import { natsHeaders, publishJson } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { fanoutIdle, publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

describe('dead letters of the dispatcher', () => {
  let h: NatsHarness;
  let receiver: Receiver;
  let stop: () => Promise<void>;
  let metrics: () => Promise<string>;

  beforeAll(async () => {
    h = await startNatsHarness('dispdead');
    receiver = await startReceiver();
    const dispatcher = await startTestDispatcher(h);
    stop = () => dispatcher.stop();
    metrics = () => dispatcher.registry.metrics();
  });
  afterAll(async () => {
    await stop?.();
    await receiver?.close();
    await h?.close();
  });

  async function deadLetters(): Promise<Array<{ subject: string; headers: Record<string, string>; body: string }>> {
    const { state } = await h.jsm.streams.info(h.names.streams.dead);
    const out: Array<{ subject: string; headers: Record<string, string>; body: string }> = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const stored = await h.jsm.streams.getMessage(h.names.streams.dead, { seq });
      if (stored === null) continue;
      const headers = Object.fromEntries(Object.values(DEAD_LETTER_HEADERS).map((name) => [name, stored.header.get(name)]).filter(([, value]) => value !== ''));
      out.push({ subject: stored.subject, headers, body: stored.string() });
    }
    return out;
  }

  it('keeps an EVENTS message that is not JSON and a task that breaks the contract on DEAD, counts them, and goes on delivering', async () => {
    await h.js.publish(h.names.eventSubject('acme', 'orderEvent'), new TextEncoder().encode('{"broken": '), { msgID: 'not-json' });
    await publishJson(h.js, h.names.deliverySubject('acme', 'cb-x'), { delivery_id: 'nope', attempt: 0 }, { msgID: 'bad-task' });

    await waitFor(async () => (await deadLetters()).length === 2, { label: 'two dead letters' });
    // Two consumers give up concurrently: compare in a fixed order.
    const kept = (await deadLetters()).sort((a, b) => a.subject.localeCompare(b.subject));
    expect(kept.map((dead) => dead.subject)).toEqual([h.names.deadLetterSubject('deliveries'), h.names.deadLetterSubject('events')].sort());
    expect(kept).toEqual([
      expect.objectContaining({
        subject: h.names.deadLetterSubject('deliveries'),
        body: '{"delivery_id":"nope","attempt":0}',
        headers: expect.objectContaining({
          [DEAD_LETTER_HEADERS.source]: 'deliveries',
          [DEAD_LETTER_HEADERS.reason]: 'breaks_contract',
          [DEAD_LETTER_HEADERS.consumer]: h.names.consumers.dispatcherDelivery,
          [DEAD_LETTER_HEADERS.problem]: expect.stringContaining('delivery_id'),
        }),
      }),
      expect.objectContaining({
        subject: h.names.deadLetterSubject('events'),
        body: '{"broken": ',
        headers: expect.objectContaining({
          [DEAD_LETTER_HEADERS.source]: 'events',
          [DEAD_LETTER_HEADERS.reason]: 'not_json',
          [DEAD_LETTER_HEADERS.consumer]: h.names.consumers.dispatcherFanout,
          [DEAD_LETTER_HEADERS.subject]: h.names.eventSubject('acme', 'orderEvent'),
        }),
      }),
    ]);
    const text = await metrics();
    expect(text).toContain('hookmesh_dead_letters_total{stream="events",reason="not_json"} 1');
    expect(text).toContain('hookmesh_dead_letters_total{stream="deliveries",reason="breaks_contract"} 1');

    // Nothing stuck: a good event after them is delivered.
    await putCallback(h, { account: 'acme', url: `${receiver.url}/after` });
    await publishEvent(h, 'acme', 'orderEvent');
    await waitFor(() => receiver.requests.some((request) => request.path === '/after'), { label: 'delivery after the dead letters' });
    await fanoutIdle(h);
  });

  it('turns a WAITING message back on its not-before header alone until it is due, and only then reads the task', async () => {
    // A body that is not JSON would be kept on DEAD at once if it were decoded: until the header's time it is not.
    const dueAt = Date.now() + 3_000;
    const headers = natsHeaders();
    headers.set(NOT_BEFORE_HEADER, String(dueAt));
    await h.js.publish(h.names.waitingSubject('acme', 'cb-w'), new TextEncoder().encode('{"broken": '), { msgID: 'not-json-waiting', headers });

    const waitingDeadLetters = async () => (await deadLetters()).filter((dead) => dead.subject === h.names.deadLetterSubject('waiting'));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await waitingDeadLetters()).toEqual([]);
    const consumer = await h.jsm.consumers.info(h.names.streams.waiting, h.names.consumers.dispatcherWaiting);
    expect(consumer.delivered.stream_seq).toBeGreaterThanOrEqual(1);

    await waitFor(async () => (await waitingDeadLetters()).length === 1, { timeoutMs: 8_000, label: 'the waiting message read once due' });
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    expect((await waitingDeadLetters())[0]).toEqual(expect.objectContaining({ body: '{"broken": ', headers: expect.objectContaining({ [DEAD_LETTER_HEADERS.reason]: 'not_json' }) }));
  });
});
