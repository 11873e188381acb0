// The console server's environment, parsed once by main.ts.
import { CommonEnv, DurationMs, parseEnv, portEnv } from '@hookmesh/config';
import { z } from 'zod';

/** Base URL of one upstream service: http(s), no path, query or credentials (the console adds the API path). */
const UpstreamUrl = (example: string) =>
  z
    .url({ message: `must be the service's base URL, e.g. ${example}` })
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// URL')
    .refine((value) => {
      const url = new URL(value);
      return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    }, 'must not carry credentials, a query or a fragment')
    .transform((value) => value.replace(/\/+$/, ''));

// One CSP source expression per item: a scheme-host(-port) origin, 'self' or 'none'; nothing that could widen script-src.
const FrameAncestor = z
  .string()
  .regex(/^('self'|'none'|https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$/, "each ancestor must be 'self', 'none' or an origin such as https://dashboard.example.com");

export const ConsoleConfig = z.object({
  // The console touches no stream: of the common variables it reads logging, environment and tracing.
  ...CommonEnv.pick({ LOG_LEVEL: true, NODE_ENV: true, OTEL_EXPORTER_OTLP_ENDPOINT: true, OTEL_SERVICE_NAME: true }).shape,
  ...portEnv(3000).shape,
  /** subscription-service, event-ingest and audit, as the console's server reaches them. */
  HOOKMESH_SUBSCRIPTION_URL: UpstreamUrl('http://subscription-service:3001'),
  HOOKMESH_INGEST_URL: UpstreamUrl('http://event-ingest:3002'),
  HOOKMESH_AUDIT_URL: UpstreamUrl('http://audit:3004'),
  /** Who may frame the console (?embed=1): CSP frame-ancestors, space-separated. */
  HOOKMESH_CONSOLE_FRAME_ANCESTORS: z
    .string()
    .default("'self'")
    .transform((value) => value.split(/\s+/).filter((part) => part.length > 0))
    .pipe(z.array(FrameAncestor).min(1, "name at least one ancestor, or 'none'")),
  /** Where the built single-page app lives; the bundle's own web/ folder by default. */
  HOOKMESH_CONSOLE_ASSETS_DIR: z.string().min(1).optional(),
  /** How long a forwarded request may wait for the upstream's response headers. */
  HOOKMESH_UPSTREAM_TIMEOUT: DurationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(30_000),
  /** Largest request body forwarded (event-ingest's own limit is 1 MB). */
  HOOKMESH_MAX_BODY: z.string().regex(/^\d+(b|kb|mb)$/, 'must be a size such as 256kb or 1mb').default('1mb'),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ConsoleConfig {
  return parseEnv('console', ConsoleConfig, env);
}
