// The environment of event-ingest, parsed once at start; every bad variable is reported together.
import { AuthEnv, ByteSize, CommonEnv, DurationMs, NatsEnv, StreamsEnv, parseEnv, portEnv } from '@hookmesh/config';
import { MAX_EVENTS_PER_BATCH } from '@hookmesh/contracts';
import { z } from 'zod';

const IngestOwnEnv = z.object({
  ...CommonEnv.shape,
  ...NatsEnv.shape,
  ...StreamsEnv.shape,
  ...portEnv(3002).shape,
  /** Events per POST /events batch; the contract caps batches at MAX_EVENTS_PER_BATCH, so more cannot be configured. */
  HOOKMESH_MAX_BATCH: z.coerce
    .number()
    .int('must be a whole number')
    .min(1)
    .max(MAX_EVENTS_PER_BATCH, `must be at most ${MAX_EVENTS_PER_BATCH} (the contract's batch limit)`)
    .default(MAX_EVENTS_PER_BATCH),
  /** Largest request body; larger bodies get 413 before they are parsed. */
  HOOKMESH_MAX_BODY: ByteSize.default(1024 * 1024),
  /** The budget of one request's publishes, retries included: past it the request answers 503 (the producer then retries). */
  HOOKMESH_PUBLISH_TIMEOUT: DurationMs.default(5_000),
  /** Events one account may store per second, across every ingest replica (a batch of 500 costs 500). */
  HOOKMESH_INGEST_EVENTS_PER_SECOND: z.coerce.number().positive().default(1_000),
  /** Events one account may store at once after a quiet spell; at least HOOKMESH_MAX_BATCH, or a full batch could never pass. */
  HOOKMESH_INGEST_EVENTS_BURST: z.coerce.number().int('must be a whole number').positive().default(5_000),
}).refine((env) => env.HOOKMESH_INGEST_EVENTS_BURST >= env.HOOKMESH_MAX_BATCH, {
  message: 'must be at least HOOKMESH_MAX_BATCH, or a full batch could never pass',
  path: ['HOOKMESH_INGEST_EVENTS_BURST'],
});

/** The whole schema: AuthEnv is a refined object, so it is intersected rather than spread. */
export const IngestEnv = IngestOwnEnv.and(AuthEnv);
export type IngestEnv = z.infer<typeof IngestEnv>;

/** Parses event-ingest's environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): IngestEnv {
  return parseEnv('event-ingest', IngestEnv, env);
}
