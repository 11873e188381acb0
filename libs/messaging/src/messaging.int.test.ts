import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { propagation } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import {
  connectNats,
  ensureConsumer,
  ensureStream,
  jetstream,
  jetstreamManager,
  pingNats,
  openKv,
  publishJson,
  runBatchConsumer,
  runConsumer,
  traceContextFromHeaders,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from './index';

const log = pino({ level: 'silent' });

describe('messaging against a real JetStream', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let stream: string;
  let subject: string;

  beforeAll(async () => {
    testNats = await createTestNats('msg');
    nc = await connectNats({ servers: testNats.url, name: 'messaging-test', log });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    stream = `${testNats.prefix}WORK`;
    subject = `${testNats.prefix}work`;
    await ensureStream(jsm, { name: stream, subjects: [`${subject}.>`], duplicate_window: 60_000_000_000 }, { update: true });
  });
  afterAll(async () => {
    await nc.drain();
    await testNats.cleanup();
  });

  it('creates a stream once and leaves it alone for non-owners', async () => {
    await ensureStream(jsm, { name: stream, subjects: [`${subject}.>`], max_msgs: 5 }, { update: false });
    expect((await jsm.streams.info(stream)).config.max_msgs).toBe(-1);
    await expect(pingNats(nc)).resolves.toBeUndefined();
  });

  it('publishes JSON once per msgID and flags the repeat as a duplicate', async () => {
    const first = await publishJson(js, `${subject}.dedupe`, { n: 1 }, { msgID: 'same-id' });
    const second = await publishJson(js, `${subject}.dedupe`, { n: 2 }, { msgID: 'same-id' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });

  it('carries the W3C trace context of the publisher in the message headers', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const tracer = new BasicTracerProvider().getTracer('test');
    const span = tracer.startSpan('ingest');
    await context.with(trace.setSpan(context.active(), span), () =>
      publishJson(js, `${subject}.traced`, { ok: true }, { msgID: 'traced-1' }),
    );
    span.end();
    const stored = await jsm.streams.getMessage(stream, { last_by_subj: `${subject}.traced` });
    const extracted = trace.getSpanContext(traceContextFromHeaders(stored!.header));
    expect(extracted?.traceId).toBe(span.spanContext().traceId);
    expect(extracted?.spanId).toBe(span.spanContext().spanId);
    context.disable();
    propagation.disable();
  });

  it('handles every message with bounded concurrency and re-creates a deleted consumer', async () => {
    const durable = `${testNats.prefix}workers`;
    const filter = `${subject}.jobs`;
    const seen = new Set<number>();
    let running = 0;
    let maxRunning = 0;
    const consumer = runConsumer({
      js,
      jsm,
      stream,
      config: { durable_name: durable, filter_subject: filter, ack_wait: 30_000_000_000 },
      log,
      concurrency: 3,
      recreateDelayMs: 200,
      handle: async (msg: JsMsg) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.add(msg.json<{ n: number }>().n);
        running -= 1;
        msg.ack();
      },
    });
    for (let n = 0; n < 30; n += 1) await publishJson(js, filter, { n }, { msgID: `job-${n}` });
    await waitFor(() => seen.size === 30, { label: 'first 30 jobs' });

    await jsm.consumers.delete(stream, durable);
    for (let n = 30; n < 40; n += 1) await publishJson(js, filter, { n }, { msgID: `job-${n}` });
    await waitFor(() => seen.size === 40, { label: 'jobs after the consumer was deleted', timeoutMs: 20_000 });
    await consumer.stop();
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it('takes handlers busy for longer than the heartbeat watchdog allows for no stall: no pull re-created, nothing handled twice', async () => {
    const durable = `${testNats.prefix}slow`;
    const filter = `${subject}.slow`;
    const handled: number[] = [];
    const warnings: string[] = [];
    const watched = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const consumer = runConsumer({
      js,
      jsm,
      stream,
      config: { durable_name: durable, filter_subject: filter, ack_wait: 30_000_000_000 },
      log: watched,
      concurrency: 2,
      maxMessages: 2,
      // The watchdog gives up on a quiet pull after 2.5 heartbeats: 500 ms here, while each handler takes 1.2 s.
      idleHeartbeatMs: 200,
      handle: async (msg: JsMsg) => {
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        handled.push(msg.json<{ n: number }>().n);
        msg.ack();
      },
    });
    for (let n = 0; n < 6; n += 1) await publishJson(js, filter, { n }, { msgID: `slow-${n}` });
    await waitFor(() => handled.length >= 6, { label: 'six slow jobs', timeoutMs: 20_000 });
    await consumer.stop();
    expect([...handled].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(warnings.filter((line) => line.includes('consumer quiet'))).toEqual([]);
  });

  it('hands messages over in batches no larger than maxBatch, flushing partial batches', async () => {
    const durable = `${testNats.prefix}batcher`;
    const filter = `${subject}.rows`;
    const sizes: number[] = [];
    const consumer = runBatchConsumer({
      js,
      jsm,
      stream,
      config: { durable_name: durable, filter_subject: filter },
      log,
      maxBatch: 10,
      maxWaitMs: 50,
      handleBatch: async (msgs) => {
        sizes.push(msgs.length);
        for (const msg of msgs) msg.ack();
      },
    });
    await Promise.all(Array.from({ length: 25 }, (_, n) => publishJson(js, filter, { n }, { msgID: `row-${n}` })));
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 25, { label: '25 rows' });
    await consumer.stop();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
  });

  it('updates an existing consumer to a new config', async () => {
    const durable = `${testNats.prefix}cfg`;
    await ensureConsumer(jsm, stream, { durable_name: durable, filter_subject: `${subject}.cfg`, max_ack_pending: 10 });
    await ensureConsumer(jsm, stream, { durable_name: durable, filter_subject: `${subject}.cfg`, max_ack_pending: 20 });
    expect((await jsm.consumers.info(stream, durable)).config.max_ack_pending).toBe(20);
  });

  it('opens a KV bucket, creating it on first use', async () => {
    const kv = await openKv(js, `${testNats.prefix}bucket`);
    await kv.put('cb.acme.1', JSON.stringify({ id: '1' }));
    const again = await openKv(js, `${testNats.prefix}bucket`);
    expect((await again.get('cb.acme.1'))?.json()).toEqual({ id: '1' });
  });
});
