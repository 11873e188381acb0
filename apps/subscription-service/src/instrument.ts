// Starts OpenTelemetry before http, pg and undici are first required; main.ts imports this file first.
import { startTelemetry } from '@hookmesh/telemetry';
import { SERVICE_NAME } from './service-name';

/** The process's telemetry; main.ts flushes it last on shutdown. */
export const telemetry = startTelemetry({
  serviceName: process.env['OTEL_SERVICE_NAME'] || SERVICE_NAME,
  otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined,
});
