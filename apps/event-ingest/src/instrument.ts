// Starts OpenTelemetry before http and the NATS client are first required: main.ts imports this file first.
import { startTelemetry } from '@hookmesh/telemetry';
import { SERVICE_NAME } from './service-name';

// The only env read outside main.ts: the SDK must patch modules before main.ts's other imports load them.
export const telemetry = startTelemetry({
  serviceName: process.env['OTEL_SERVICE_NAME'] || SERVICE_NAME,
  otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined,
});
