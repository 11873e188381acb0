// Bodies of the unauthenticated operational routes every service serves.
import { z } from 'zod';

export const HealthResponse = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ReadinessResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  /** One entry per dependency: "ok" or what went wrong. */
  checks: z.record(z.string(), z.string()),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;

export const MetricsText = z.string().describe('Prometheus text exposition format');

export const OpenApiDocumentResponse = z.record(z.string(), z.unknown()).describe('This service\'s OpenAPI 3.1 document');
