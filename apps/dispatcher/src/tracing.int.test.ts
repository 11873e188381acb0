// One trace per event: ingest span → fan-out span → one HTTP client span per attempt, and the customer gets
// exactly one traceparent, the attempt span's, even with the undici auto-instrumentation running.
import { createLogger } from '@hookmesh/logging';
import { waitFor } from '@hookmesh/testing';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { request } from 'undici';
import type { Dispatcher } from './dispatcher';
import { attemptsOf, publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let instrumentation: UndiciInstrumentation;
  let harness: NatsHarness;
  let dispatcher: Dispatcher;
  let endpoint: Receiver;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    provider.register();
    instrumentation = new UndiciInstrumentation();
    harness = await startNatsHarness('tracing');
    endpoint = await startReceiver((_request, index) => (index === 0 ? { status: 500 } : { status: 200 }));
    const log = createLogger({ service: 'dispatcher', level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });
    dispatcher = await startTestDispatcher(harness, { log });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await endpoint?.close();
    await harness?.close();
    // diagnostics_channel subscriptions are process-wide: unsubscribe so no other test file is instrumented.
    instrumentation?.disable();
    await provider.shutdown();
  });

  const traceparents = (rawHeaders: string[]) => rawHeaders.filter((_value, index) => index % 2 === 0 && rawHeaders[index]!.toLowerCase() === 'traceparent').map((_name, n) => n);

  it('continues the ingest trace to the customer with one traceparent per attempt, the attempt span\'s own', async () => {
    // The undici instrumentation is live: a plain request gets its traceparent.
    await context.with(trace.setSpan(context.active(), provider.getTracer('test').startSpan('control')), async () => {
      await request(`${endpoint.url}/control`, { method: 'GET' }).then((response) => response.body.dump());
    });
    expect(endpoint.requests[0]!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    endpoint.requests.length = 0;

    const { state } = await putCallback(harness, { account: 'traced', url: `${endpoint.url}/orders` });
    const ingest = provider.getTracer('event-ingest').startSpan('POST /:account/api/v1/events');
    await context.with(trace.setSpan(context.active(), ingest), () => publishEvent(harness, 'traced'));
    ingest.end();
    const traceId = ingest.spanContext().traceId;

    await waitFor(() => endpoint.requests.length === 2, { label: 'two attempts' });
    const sent = endpoint.requests.map((r) => {
      expect(traceparents(r.rawHeaders)).toHaveLength(1);
      const [, sentTrace, sentSpan] = String(r.headers['traceparent']).split('-');
      return { sentTrace, sentSpan };
    });
    expect(sent.every((s) => s.sentTrace === traceId)).toBe(true);

    const spans = await waitFor(() => {
      const found = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
      return found.filter((span) => span.kind === SpanKind.CLIENT).length === 2 ? found : undefined;
    }, { label: 'attempt spans exported' });
    const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
    const fanout = spans.find((span) => span.name === 'fanout orderEvent')!;
    expect(parentOf(fanout)).toBe(ingest.spanContext().spanId);
    const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes['hookmesh.attempt']) - Number(b.attributes['hookmesh.attempt']));
    // Only the dispatcher's own client spans: the instrumentation added neither a span nor a header.
    expect(attempts.map((span) => span.spanContext().spanId)).toEqual(sent.map((s) => s.sentSpan));
    expect(attempts[0]!.attributes).toMatchObject({
      'hookmesh.callback_id': state.id,
      'hookmesh.attempt': 1,
      'http.response.status_code': 500,
      'hookmesh.outcome': 'retrying',
    });
    expect(attempts[0]!.attributes['hookmesh.delivery_id']).toEqual(endpoint.requests[0]!.headers['x-hookmesh-delivery']);
    expect(attempts[1]!.attributes).toMatchObject({ 'hookmesh.attempt': 2, 'http.response.status_code': 200, 'hookmesh.outcome': 'delivered' });
    expect(parentOf(attempts[0]!)).toBe(fanout.spanContext().spanId);
    // The retry task was published inside attempt 1, so attempt 2 continues from it.
    expect(parentOf(attempts[1]!)).toBe(attempts[0]!.spanContext().spanId);

    const records = await waitFor(async () => {
      const found = await attemptsOf(harness, 'traced');
      return found.length === 2 ? found : undefined;
    }, { label: 'attempt records' });
    expect(records.map((r) => r.trace_id)).toEqual([traceId, traceId]);
    expect(logLines.some((line) => line['msg'] === 'delivery attempt settled' && line['trace_id'] === traceId)).toBe(true);
  });
});
