import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

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
};

/**
 * Starts the OpenTelemetry NodeSDK with http, express, pg and undici instrumentation.
 * Call it before the instrumented modules are first required (each app's instrument.ts).
 * Spans are made and W3C trace context propagated even when export is off, so trace ids
 * still reach logs, NATS headers, audit records and customer requests (traceparent).
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  // The SDK would otherwise ship metrics and logs to a default localhost:4318;
  // metrics go to Prometheus and logs to stdout here.
  process.env['OTEL_METRICS_EXPORTER'] ??= 'none';
  process.env['OTEL_LOGS_EXPORTER'] ??= 'none';
  if (process.env['OTEL_LOG_LEVEL'] === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 }));
  }
  const exporting = processors.length > 0;
  // Without any processor NodeSDK registers no tracer provider at all: every span would be the invalid no-op span,
  // and neither receivers nor audit would get a trace id. A processor that drops spans keeps the provider.
  if (!exporting) processors.push(new NoopSpanProcessor());
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: processors,
    autoDetectResources: false,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the real traces.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    exporting,
    shutdown() {
      stopped ??= sdk.shutdown().catch(() => undefined);
      return stopped;
    },
  };
}
