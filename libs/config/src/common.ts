import { z } from 'zod';
import { ByteSize } from './bytes';
import { BooleanFlag, Port } from './env';
import { DurationListMs, DurationMs } from './duration';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Variables every service reads: the configuration they share. */
export const CommonEnv = z.object({
  LOG_LEVEL: LogLevel.default('info'),
  NODE_ENV: z.string().default('production'),
  HOOKMESH_STREAM_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'only letters, digits, "_" and "-"')
    .max(32)
    .default(''),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
});

/** NATS servers, comma-separated. */
export const NatsEnv = z.object({
  NATS_URL: z.string({ message: 'is required (e.g. nats://127.0.0.1:4222)' }).min(1),
});

/** Postgres connection string. */
export const DatabaseEnv = z.object({
  DATABASE_URL: z
    .string({ message: 'is required (e.g. postgres://postgres@127.0.0.1:5432/hookmesh)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
});

/** How bearer tokens are verified: exactly one of an HS256 secret or a JWKS URL. */
export const AuthEnv = z
  .object({
    HOOKMESH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 needs a 256-bit key)').optional(),
    HOOKMESH_JWKS_URL: z.url().optional(),
    HOOKMESH_JWT_ISSUER: z.string().optional(),
    HOOKMESH_JWT_AUDIENCE: z.string().optional(),
    /** Longest a bearer token may live (exp - iat, and exp - now); longer-lived and future-issued tokens get 401. */
    HOOKMESH_TOKEN_MAX_LIFETIME: DurationMs.refine((ms) => ms >= 60_000, 'must be at least 1m').default(24 * 3_600_000),
    HOOKMESH_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
    HOOKMESH_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(200),
  })
  .refine((env) => (env.HOOKMESH_JWT_SECRET === undefined) !== (env.HOOKMESH_JWKS_URL === undefined), {
    message: 'set exactly one of HOOKMESH_JWT_SECRET or HOOKMESH_JWKS_URL',
    path: ['HOOKMESH_JWT_SECRET'],
  });

/** Key(s) sealing signing secrets and tokens at rest: "<kid>:<base64 of 32 bytes>", comma-separated, first seals. */
export const SecretsKeyEnv = z.object({
  HOOKMESH_SECRETS_KEY: z.string({ message: 'is required (32 random bytes, base64; `npm run up` generates one)' }).min(1),
});

/** Delivery behaviour shared by the dispatcher and the services that explain it. */
export const DeliveryEnv = z.object({
  HOOKMESH_RETRY_SCHEDULE: DurationListMs.default([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
  /** Multiplies every delay of every retry schedule (installation, profile, callback): tests run the seeds' schedules in milliseconds with 0.001. */
  HOOKMESH_RETRY_TIME_SCALE: z.coerce.number().positive('must be a positive number').max(1_000).default(1),
  HOOKMESH_DELIVERY_TIMEOUT: DurationMs.default(30_000),
  HOOKMESH_HEADER_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be a header-name prefix such as X-Hookmesh')
    .default('X-Hookmesh'),
  HOOKMESH_USER_AGENT: z.string().min(1).default('Hookmesh-Webhook/1.0'),
  HOOKMESH_ALLOW_PRIVATE_TARGETS: BooleanFlag.default(false),
});

/** JetStream stream settings; only each stream's owning service applies changes to an existing stream. */
export const StreamsEnv = z.object({
  /** How long events, deliveries and attempts are kept (JetStream max_age and audit pruning). */
  HOOKMESH_RETENTION: DurationMs.default(30 * 86_400_000),
  /** A repeated ingest idempotency_key inside this window stores nothing new (EVENTS duplicate_window). */
  HOOKMESH_IDEMPOTENCY_WINDOW: DurationMs.default(15 * 60_000),
  /** Stream replicas: 1 on one server, 3 on a clustered JetStream. */
  HOOKMESH_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Size bound of the DEAD stream (messages consumers gave up on); past it, or past HOOKMESH_RETENTION, the oldest go. */
  HOOKMESH_DEAD_LETTER_MAX_BYTES: ByteSize.default(256 * 1024 * 1024),
});

/** Where a service's HTTP server listens: its port (default per service) and the address it binds (HOST). */
export function portEnv(defaultPort: number) {
  return z.object({
    PORT: Port.default(defaultPort),
    /** 0.0.0.0 (every interface, as in a container) by default; 127.0.0.1 keeps a development stack off the network. */
    HOST: z
      .union([z.ipv4(), z.ipv6(), z.hostname()], { message: 'must be an IP address or a host name to bind, e.g. 0.0.0.0 or 127.0.0.1' })
      .default('0.0.0.0'),
  });
}

/**
 * Start-up warnings about the development switch: on, it lets callbacks reach loopback and private addresses, and a
 * service that also listens beyond loopback hands that reach to anyone on the network.
 */
export function developmentSwitchWarnings(config: { HOOKMESH_ALLOW_PRIVATE_TARGETS: boolean; HOST: string }): string[] {
  if (!config.HOOKMESH_ALLOW_PRIVATE_TARGETS) return [];
  const warnings = [
    'HOOKMESH_ALLOW_PRIVATE_TARGETS is on (DEVELOPMENT ONLY): callbacks may target loopback and private addresses, also over http; never enable it in production',
  ];
  if (!isLoopbackHost(config.HOST)) {
    warnings.push(`HOST=${config.HOST} makes this service reachable from the network while private targets are allowed; set HOST=127.0.0.1 for a development stack`);
  }
  return warnings;
}

/** Whether binding `host` keeps the server reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export { DurationMs, DurationListMs, BooleanFlag, Port };
