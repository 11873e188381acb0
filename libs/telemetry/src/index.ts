export { batchSettingsFromEnv, startTelemetry, type Telemetry, type StartTelemetryOptions } from './sdk';
