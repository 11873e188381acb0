// The environment of the dispatcher, parsed once at start; every bad variable is reported together.
import { CommonEnv, DeliveryEnv, DurationMs, NatsEnv, SecretsKeyEnv, StreamsEnv, parseEnv, portEnv } from '@hookmesh/config';
import { SealingError, parseSecretsKey, type SealingKey } from '@hookmesh/contracts';
import { z } from 'zod';

const PositiveInt = (max: number) => z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

const DispatcherOwnEnv = z.object({
  ...CommonEnv.shape,
  ...NatsEnv.shape,
  ...SecretsKeyEnv.shape,
  ...DeliveryEnv.shape,
  ...StreamsEnv.shape,
  ...portEnv(3003).shape,
  /** Delivery attempts running at once in this process, across all callbacks. */
  HOOKMESH_DISPATCH_CONCURRENCY: PositiveInt(10_000).default(100),
  /** Attempts running at once to one callback, so one slow endpoint cannot take every slot. */
  HOOKMESH_PER_CALLBACK_CONCURRENCY: PositiveInt(1_000).default(10),
  /** Open connections per origin in the HTTP pool (no pipelining to customer endpoints). */
  HOOKMESH_CONNECTIONS_PER_ORIGIN: PositiveInt(1_000).default(20),
  /** Events fanned out at once (a fan-out also makes the attempts that can go out at once). */
  HOOKMESH_FANOUT_CONCURRENCY: PositiveInt(1_000).default(32),
  /**
   * The part of HOOKMESH_DISPATCH_CONCURRENCY one account's attempts may take at once, so one account's backlog
   * leaves room for every other account's fresh deliveries.
   */
  HOOKMESH_ACCOUNT_CONCURRENCY_SHARE: z.coerce.number().gt(0, 'must be above 0').max(1, 'must be at most 1').default(0.5),
  /** Bytes of a response body kept as the audit excerpt; the rest is discarded unread. */
  HOOKMESH_RESPONSE_EXCERPT_MAX: z.coerce.number().int().min(0).max(1024 * 1024).default(2048),
  /** How often a held delivery looks again whether its hold is gone. */
  HOOKMESH_HOLD_RECHECK: DurationMs.default(2_000),
  /** How soon a delivery whose callback is at its concurrency limit is offered again. */
  HOOKMESH_BUSY_RECHECK: DurationMs.default(500),
  /** Consecutive failed attempts that open a callback's circuit. */
  HOOKMESH_CIRCUIT_THRESHOLD: PositiveInt(10_000).default(5),
  /** How long an open circuit holds deliveries before one probe goes through. */
  HOOKMESH_CIRCUIT_COOLDOWN: DurationMs.default(60_000),
  /** Unbroken failure after which a callback is disabled. */
  HOOKMESH_DISABLE_AFTER: DurationMs.default(5 * 86_400_000),
  /** Longest wait a Retry-After header can impose; default: the largest delay of the retry schedule. */
  HOOKMESH_RETRY_AFTER_MAX: DurationMs.optional(),
  /**
   * Due tasks the DELIVERIES consumer hands out un-acked (attempts running, tasks of a busy callback offered again
   * shortly). Beyond it the consumer stops handing out new tasks until some settle.
   */
  HOOKMESH_MAX_ACK_PENDING: PositiveInt(1_000_000).default(20_000),
  /**
   * Tasks that may wait at once on WAITING (scheduled retries, held types, open circuits): each is un-acked while it
   * waits. Beyond it waiting tasks come late; tasks that are due are not affected.
   */
  HOOKMESH_MAX_WAITING: PositiveInt(10_000_000).default(1_000_000),
  /**
   * How much longer than the HTTP timeout JetStream waits for a delivery's ack before handing it to another
   * worker (and the fan-out's whole ack_wait). A crashed process's tasks come back after it; tests shorten it.
   */
  HOOKMESH_ACK_WAIT_MARGIN: DurationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(30_000),
  /** PEM file of extra certificate authorities trusted for https callbacks (on top of the system roots). */
  HOOKMESH_EXTRA_CA_FILE: z.string().min(1).optional(),
});

/** The whole schema, with HOOKMESH_SECRETS_KEY parsed into its keys so a bad key is a start-up error. */
export const DispatcherEnv = DispatcherOwnEnv.transform((env, ctx) => {
  let secretsKeys: SealingKey[] = [];
  try {
    secretsKeys = parseSecretsKey(env.HOOKMESH_SECRETS_KEY);
  } catch (error) {
    if (!(error instanceof SealingError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['HOOKMESH_SECRETS_KEY'], message: error.message });
    return z.NEVER;
  }
  const retryAfterMaxMs = env.HOOKMESH_RETRY_AFTER_MAX ?? Math.max(...env.HOOKMESH_RETRY_SCHEDULE);
  return { ...env, secretsKeys, retryAfterMaxMs };
});
export type DispatcherEnv = z.infer<typeof DispatcherEnv>;

/** Parses the dispatcher's environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): DispatcherEnv {
  return parseEnv('dispatcher', DispatcherEnv, env);
}
