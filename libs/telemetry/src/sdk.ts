import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type BufferConfig, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type Telemetry = {
  /** Whether spans leave the process (an OTLP endpoint or a test processor is configured). */
  exporting: boolean;
  /** Flushes pending spans and stops the SDK; safe to call twice. */
  shutdown(): Promise<void>;
};

export type StartTelemetryOptions = {
  serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); export is off when unset. */
  otlpEndpoint?: string | undefined;
  /** Extra span processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
  /**
   * Whether undici's requests get client spans (default true). Off where the service makes its own client span
   * for every request it sends (the dispatcher's attempts): the instrumentation would still run on each request.
   */
  undici?: boolean;
};

/**
 * The batch span processor's settings from the specification's OTEL_BSP_* variables, which this SDK version no
 * longer reads by itself. Spans wait in a queue of at most OTEL_BSP_MAX_QUEUE_SIZE between exports and the overflow
 * is dropped: measured here, none at 10,000 spans/s to a collector answering at once, 2.4 % at 3,000 spans/s to one
 * answering in 200 ms (docs/benchmarks.md). A value that is not a whole number stops the service at start.
 */
export function batchSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BufferConfig {
  const read = (name: string, fallback: number, least: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be a whole number of at least ${least}, got ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', 500, 0),
    maxQueueSize: read('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1),
    maxExportBatchSize: read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1),
  };
}

/**
 * Starts tracing with http, pg and undici instrumentation, built from the SDK pieces Hookmesh uses (a Node tracer
 * provider, the OTLP/HTTP trace exporter, three instrumentations): the all-in-one NodeSDK would bring gRPC, protobuf,
 * metrics and logs exporters that nothing here uses, and most of the images' weight. No express instrumentation: it
 * wraps every middleware layer and makes a span for each, about 30 % of a one-event request's CPU in event-ingest
 * (docs/benchmarks.md); libs/http names the server span after its route instead (request-context.ts).
 * Call it before the instrumented modules are first required (each app's instrument.ts).
 * A tracer provider is registered even when export is off, so spans are made and W3C trace context propagated:
 * trace ids still reach logs, NATS headers, audit records and customer requests (traceparent).
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  if (process.env['OTEL_LOG_LEVEL'] === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url }), batchSettingsFromEnv()));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: processors,
  });
  // The global tracer provider, the AsyncLocalStorage context manager and the W3C propagators.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the real traces.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      // A query outside any trace (a readiness probe's, a retention sweep's) would be a trace of its own, and a pool
      // checkout a span of its own per transaction: neither says anything the query spans do not.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      ...(options.undici === false ? [] : [new UndiciInstrumentation()]),
    ],
  });
  let stopped: Promise<void> | undefined;
  return {
    exporting: processors.length > 0,
    shutdown() {
      stopped ??= (async () => {
        unregister();
        await provider.shutdown();
      })().catch(() => undefined);
      return stopped;
    },
  };
}
