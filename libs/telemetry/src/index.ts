export { startTelemetry, type Telemetry, type StartTelemetryOptions } from './sdk';
