// The audit service's environment, parsed once by main.ts.
import { AuthEnv, CommonEnv, DatabaseEnv, DurationMs, NatsEnv, StreamsEnv, parseEnv, portEnv } from '@hookmesh/config';
import { z } from 'zod';
import { SERVICE_NAME } from './service-name';

export const AuditConfig = z
  .object({
    ...CommonEnv.shape,
    ...NatsEnv.shape,
    ...DatabaseEnv.shape,
    ...StreamsEnv.shape,
    ...portEnv(3004).shape,
    /** Records written per Postgres transaction. */
    HOOKMESH_AUDIT_BATCH: z.coerce.number().int().min(1).max(2000).default(500),
    /** How often retention prunes events, deliveries and attempts older than HOOKMESH_RETENTION. */
    HOOKMESH_PRUNE_INTERVAL: DurationMs.refine((ms) => ms >= 1000, 'must be at least 1s').default(3_600_000),
    /** How long JetStream waits for a batch's ack before another writer gets it: a crashed writer's batch comes back after it. */
    HOOKMESH_AUDIT_ACK_WAIT: DurationMs.refine((ms) => ms >= 1000, 'must be at least 1s').default(60_000),
    /** How soon a batch Postgres did not take is offered again (an outage retries at this pace). */
    HOOKMESH_AUDIT_RETRY_DELAY: DurationMs.default(5_000),
    /** Characters of an endpoint's response body kept per attempt. */
    HOOKMESH_RESPONSE_EXCERPT_MAX: z.coerce.number().int().min(0).max(1_048_576).default(2048),
  })
  // AuthEnv is refined (exactly one of secret / JWKS URL), so it joins by intersection; both sides report issues.
  .and(AuthEnv);
export type AuditConfig = z.infer<typeof AuditConfig>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AuditConfig {
  return parseEnv(SERVICE_NAME, AuditConfig, env);
}
