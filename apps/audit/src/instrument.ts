// Loaded first by main.ts: OpenTelemetry must patch http and pg before anything requires them.
import { startTelemetry } from '@hookmesh/telemetry';
import { SERVICE_NAME } from './service-name';

// The only env read outside main.ts, because it has to happen before main.ts's other imports run.
export const telemetry = startTelemetry({
  serviceName: process.env['OTEL_SERVICE_NAME'] ?? SERVICE_NAME,
  otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'],
});
