// The audit batcher against real JetStream: records of one turn share messages, bounded, per account, traced, and a
// caller hears "stored" only after the PubAck.
import { AuditMessage, deliveryIdFor, type DeliveryCreatedRecord } from '@hookmesh/contracts';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { auditOf, readStream, startNatsHarness, type NatsHarness } from '../test-support';
import { createAuditBatcher } from './audit-batcher';

function created(account: string, n: number): DeliveryCreatedRecord {
  const messageId = `m-${n}`;
  return {
    kind: 'delivery_created',
    delivery_id: deliveryIdFor(messageId, 'cb1'),
    message_id: messageId,
    account,
    callback_id: 'cb1',
    message_type: 'orderEvent',
    series: 0,
    created_at: new Date(Date.UTC(2024, 4, 1, 0, 0, n)).toISOString(),
  };
}

describe('audit batcher', () => {
  let h: NatsHarness;
  const manager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(manager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    h = await startNatsHarness('auditbatch');
  });
  afterAll(async () => {
    propagation.disable();
    manager.disable();
    context.disable();
    await h.close();
  });

  async function messagesOf(account: string) {
    return readStream(h, h.names.streams.audit, `${h.names.root}.audit.${account}.>`, AuditMessage);
  }

  it('stores the records of one turn in one message per account, cut at maxRecords, in order', async () => {
    const sink = createAuditBatcher({ js: h.js, names: h.names, timeoutMs: 5_000, maxRecords: 4 });
    const acme = Array.from({ length: 10 }, (_, n) => created('acme', n));
    const globex = Array.from({ length: 3 }, (_, n) => created('globex', n));
    await Promise.all([...acme, ...globex].map((record) => sink(record)));

    const acmeMessages = await messagesOf('acme');
    expect(acmeMessages.map((message) => (message.kind === 'batch' ? message.entries.length : 1))).toEqual([4, 4, 2]);
    expect(await auditOf(h, 'acme')).toEqual(acme);
    expect(await auditOf(h, 'globex')).toEqual(globex);
    const globexMessages = await messagesOf('globex');
    expect(globexMessages).toHaveLength(1);
  });

  it('cuts by bytes too, always sending at least one record', async () => {
    const sink = createAuditBatcher({ js: h.js, names: h.names, timeoutMs: 5_000, maxBytes: 10 });
    const records = Array.from({ length: 3 }, (_, n) => created('initech', n));
    await Promise.all(records.map((record) => sink(record)));
    expect((await messagesOf('initech')).map((message) => (message.kind === 'batch' ? message.entries.length : 1))).toEqual([1, 1, 1]);
    expect(await auditOf(h, 'initech')).toEqual(records);
  });

  it('lets records gather while maxInFlight batches await their PubAck, so batches grow under load', async () => {
    // The real JetStream stores every batch; only the PubAck of the first one is held back until the test lets go,
    // so what gathers meanwhile does not depend on how fast the server answers.
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const slowAcks = {
      publish: async (...args: Parameters<typeof h.js.publish>) => {
        const ack = await h.js.publish(...args);
        await held;
        return ack;
      },
    } as unknown as typeof h.js;
    const sink = createAuditBatcher({ js: slowAcks, names: h.names, timeoutMs: 5_000, maxInFlight: 1 });
    const stored: Array<Promise<void>> = [];
    for (let turn = 0; turn < 5; turn += 1) {
      stored.push(sink(created('umbrella', turn * 2)), sink(created('umbrella', turn * 2 + 1)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    letGo();
    await Promise.all(stored);
    const sizes = (await messagesOf('umbrella')).map((message) => (message.kind === 'batch' ? message.entries.length : 1));
    expect(sizes).toEqual([2, 8]);
  });

  it('carries each record’s own traceparent', async () => {
    const sink = createAuditBatcher({ js: h.js, names: h.names, timeoutMs: 5_000 });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    await Promise.all([
      context.with(trace.setSpanContext(context.active(), spanContext), () => sink(created('hooli', 1))),
      sink(created('hooli', 2)),
    ]);
    const [message] = await messagesOf('hooli');
    expect(message?.kind === 'batch' && message.entries.map((entry) => entry.traceparent)).toEqual([
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      undefined,
    ]);
  });

  it('rejects every record of a batch JetStream did not store', async () => {
    const names = { ...h.names, auditBatchSubject: (account: string) => `${h.names.root}.nowhere.${account}` };
    const sink = createAuditBatcher({ js: h.js, names, timeoutMs: 1_000 });
    const results = await Promise.allSettled([sink(created('acme', 50)), sink(created('acme', 51))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
