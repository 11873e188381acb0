// Giving up on a message keeps it on DEAD first; when DEAD does not take it, the message comes back instead.
import { DEAD_LETTER_HEADERS, natsNames, type NatsNames } from '@hookmesh/contracts';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import {
  connectNats,
  createDeadLetters,
  ensureStream,
  hookmeshStreamConfigs,
  jetstream,
  jetstreamManager,
  publishJson,
  runConsumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from './index';

const log = pino({ level: 'silent' });

describe('dead letters', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let names: NatsNames;
  const settings = () => ({ prefix: testNats.prefix, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, replicas: 1, deadLetterMaxBytes: 1024 * 1024 });

  beforeAll(async () => {
    testNats = await createTestNats('dead');
    nc = await connectNats({ servers: testNats.url, name: 'dead-letters-test', log });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    names = natsNames(testNats.prefix);
    await ensureStream(jsm, hookmeshStreamConfigs(settings()).deliveries, { update: true });
  });
  afterAll(async () => {
    await nc.drain();
    await testNats.cleanup();
  });

  it('bounds DEAD by age and size', () => {
    const dead = hookmeshStreamConfigs(settings()).dead;
    expect(dead).toMatchObject({ name: names.streams.dead, subjects: [names.subjects.dead], max_bytes: 1024 * 1024, max_age: 3_600_000 * 1_000_000 });
  });

  it('keeps the message with where it came from and why, terminates it, and counts it; without DEAD it comes back', async () => {
    const kept: string[] = [];
    const dead = createDeadLetters({
      js,
      nc,
      names,
      source: 'deliveries',
      consumer: 'test-consumer',
      log,
      onKept: ({ stream, reason }) => kept.push(`${stream}/${reason}`),
      retryDelayMs: 200,
      now: () => new Date('2026-06-01T00:00:00.000Z'),
    });
    const deliveries: number[] = [];
    const consumer = runConsumer({
      js,
      jsm,
      stream: names.streams.deliveries,
      config: { durable_name: `${testNats.prefix}dead-test`, filter_subject: names.subjects.deliveries },
      log,
      concurrency: 1,
      handle: async (msg: JsMsg) => {
        deliveries.push(msg.seq);
        await dead.terminate(msg, 'breaks_contract', 'delivery_id: Invalid UUID\nx');
      },
    });
    try {
      // No DEAD stream yet: the message is not dropped, it is offered again.
      await publishJson(js, names.deliverySubject('acme', 'cb-1'), { not: 'a task' }, { msgID: 'bad-1' });
      await waitFor(() => deliveries.length >= 2, { label: 'offered again while DEAD is missing' });
      expect(kept).toEqual([]);

      await ensureStream(jsm, hookmeshStreamConfigs(settings()).dead, { update: true });
      await waitFor(() => kept.length === 1, { label: 'kept once DEAD exists' });
      const stored = await jsm.streams.getMessage(names.streams.dead, { last_by_subj: names.deadLetterSubject('deliveries') });
      expect(stored!.json()).toEqual({ not: 'a task' });
      expect(Object.fromEntries(Object.values(DEAD_LETTER_HEADERS).map((name) => [name, stored!.header.get(name)]))).toEqual({
        [DEAD_LETTER_HEADERS.source]: 'deliveries',
        [DEAD_LETTER_HEADERS.subject]: names.deliverySubject('acme', 'cb-1'),
        [DEAD_LETTER_HEADERS.sequence]: String(deliveries[0]),
        [DEAD_LETTER_HEADERS.entry]: '',
        [DEAD_LETTER_HEADERS.consumer]: 'test-consumer',
        [DEAD_LETTER_HEADERS.reason]: 'breaks_contract',
        [DEAD_LETTER_HEADERS.problem]: 'delivery_id: Invalid UUID?x',
        [DEAD_LETTER_HEADERS.at]: '2026-06-01T00:00:00.000Z',
        [DEAD_LETTER_HEADERS.originalBytes]: '',
      });
      expect(kept).toEqual(['deliveries/breaks_contract']);
      // Terminated: a workqueue stream holds nothing more and nothing comes back.
      const offers = deliveries.length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(deliveries.length).toBe(offers);
      expect((await jsm.streams.info(names.streams.deliveries)).state.messages).toBe(0);
    } finally {
      await consumer.stop();
    }
  });
});
