// Starts OpenTelemetry before undici, http and the NATS client are first required: main.ts imports this file first.
import { startTelemetry } from '@hookmesh/telemetry';
import { SERVICE_NAME } from './service-name';

// The only env read outside main.ts: the SDK must patch modules before main.ts's other imports load them.
export const telemetry = startTelemetry({
  serviceName: process.env['OTEL_SERVICE_NAME'] || SERVICE_NAME,
  otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined,
  // Each attempt's client span is the delivery path's own (with the customer's traceparent); undici's only user here.
  undici: false,
});
