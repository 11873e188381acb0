/** The name this service reports in logs, traces, readiness and its OpenAPI document. */
export const SERVICE_NAME = 'audit';
