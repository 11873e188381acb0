// The ingest request starts the event's trace: the stored NATS message carries the caller's trace id.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventTypes } from '@hookmesh/contracts';
import { traceContextFromHeaders } from '@hookmesh/messaging';
import { createTestNats, type TestNats } from '@hookmesh/testing';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTestIngest, type TestIngest } from '../test-support';

// The http instrumentation only runs in a real process, so the request reaches the route without a server span:
// the route must continue the trace from the incoming traceparent header.
describe('trace propagation from POST /events to EVENTS', () => {
  let nats: TestNats;
  let ingest: TestIngest;
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    nats = await createTestNats('ingtrace');
    ingest = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix });
  });
  afterAll(async () => {
    await ingest.close();
    await nats.cleanup();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('stores every event of a batch with the caller trace id, under one ingest publish span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const event = { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data };
    const res = await ingest.postEvents('acme', [event, event], { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    expect(res.status).toBe(202);
    const { events } = (await res.json()) as { events: Array<{ message_id: string }> };

    const publishSpan = spans.getFinishedSpans().find((span) => span.name === 'ingest publish');
    expect(publishSpan?.spanContext().traceId).toBe(traceId);
    expect(publishSpan?.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(publishSpan?.attributes['messaging.batch.message_count']).toBe(2);

    const stored = (await ingest.storedEvents()).filter((entry) => events.some((e) => e.message_id === entry.record.message_id));
    expect(stored).toHaveLength(2);
    for (const entry of stored) {
      expect(entry.header.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const carried = trace.getSpanContext(traceContextFromHeaders(entry.header));
      expect(carried?.traceId).toBe(traceId);
      // The dispatcher's spans become children of the publish span, not of the caller's.
      expect(carried?.spanId).toBe(publishSpan?.spanContext().spanId);
    }
  });

  it('starts a new trace when the caller sends none', async () => {
    const res = await ingest.postEvents('acme', { message_type: 'snapshotReady', data: eventTypes.snapshotReady.example.data });
    const { message_id } = (await res.json()) as { message_id: string };
    const stored = (await ingest.storedEvents()).find((entry) => entry.record.message_id === message_id);
    const carried = trace.getSpanContext(traceContextFromHeaders(stored?.header));
    expect(carried?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(carried?.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
