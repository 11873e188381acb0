import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { natsNames } from '@hookmesh/contracts';

export { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, DiscardPolicy };
export type { StreamConfig, ConsumerConfig } from '@nats-io/jetstream';

const NS_PER_MS = 1_000_000;

/** Milliseconds to the nanoseconds JetStream configs use. */
export function nanos(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}

function isNotFound(error: unknown): boolean {
  const text = String((error as { message?: string })?.message ?? error);
  return /not found/i.test(text) || (error as { code?: number | string })?.code === 404;
}

/**
 * Creates the stream when missing. Only the owning service passes `update: true`,
 * so services started with different settings never flip a stream back and forth.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  options: { update: boolean },
): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    if (options.update) await jsm.streams.update(config.name, { ...info.config, ...config });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another replica created it between our info() and add().
      if (!/already in use|already exists/i.test(String(addError))) throw addError;
    }
  }
}

/** Creates or updates a durable pull consumer to the given config. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.consumers.add(stream, { ack_policy: AckPolicy.Explicit, ...config });
    } catch (addError) {
      if (!/already in use|already exists/i.test(String(addError))) throw addError;
    }
  }
}

export type HookmeshStreamSettings = {
  prefix: string;
  /** How long events, tasks and audit records stay in JetStream (matches audit retention). */
  maxAgeMs: number;
  /** Ingest idempotency window: a repeated key inside it stores nothing new. */
  duplicateWindowMs: number;
  replicas: number;
  /** Size bound of DEAD (HOOKMESH_DEAD_LETTER_MAX_BYTES); the oldest dead letters go first past it or past max age. */
  deadLetterMaxBytes?: number;
};

/** The common HOOKMESH_* variables every service's stream settings come from (libs/config's shared schema). */
export interface StreamEnv {
  HOOKMESH_STREAM_PREFIX: string;
  HOOKMESH_RETENTION: number;
  HOOKMESH_IDEMPOTENCY_WINDOW: number;
  HOOKMESH_STREAM_REPLICAS: number;
  HOOKMESH_DEAD_LETTER_MAX_BYTES?: number;
}

/** The stream settings of a service's environment: one reading for all four services. */
export function streamSettingsFromEnv(env: StreamEnv): HookmeshStreamSettings {
  return {
    prefix: env.HOOKMESH_STREAM_PREFIX,
    maxAgeMs: env.HOOKMESH_RETENTION,
    duplicateWindowMs: env.HOOKMESH_IDEMPOTENCY_WINDOW,
    replicas: env.HOOKMESH_STREAM_REPLICAS,
    ...(env.HOOKMESH_DEAD_LETTER_MAX_BYTES === undefined ? {} : { deadLetterMaxBytes: env.HOOKMESH_DEAD_LETTER_MAX_BYTES }),
  };
}

/** Default size bound of the DEAD stream: 256 MiB. */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 256 * 1024 * 1024;

/** The stream configs of docs/architecture.md, keyed by the service that owns each. */
export function hookmeshStreamConfigs(settings: HookmeshStreamSettings) {
  const names = natsNames(settings.prefix);
  const base = {
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_age: nanos(settings.maxAgeMs),
    discard: DiscardPolicy.Old,
  } as const;
  // A duplicate window longer than max_age is refused by the server.
  const window = (ms: number) => nanos(Math.min(ms, settings.maxAgeMs));
  const deliveries = {
    ...base,
    name: names.streams.deliveries,
    subjects: [names.subjects.deliveries],
    // A task is gone once settled; retries are new messages.
    retention: RetentionPolicy.Workqueue,
    duplicate_window: window(10 * 60_000),
  };
  return {
    events: {
      ...base,
      name: names.streams.events,
      subjects: [names.subjects.events],
      retention: RetentionPolicy.Limits,
      duplicate_window: window(settings.duplicateWindowMs),
    },
    deliveries,
    // Tasks that wait (retries, held types, open circuits), apart from DELIVERIES: a wait is an un-acked message,
    // and a pile of them on the consumer that serves fresh tasks would stall every other callback at max_ack_pending.
    waiting: { ...deliveries, name: names.streams.waiting, subjects: [names.subjects.waiting] },
    // Wake-ups of ordered (callback, key)s: the events stay on EVENTS and are read in stream order, so one wake-up
    // per subject is enough; a newer one replaces the older.
    ordered: { ...deliveries, name: names.streams.ordered, subjects: [names.subjects.ordered], max_msgs_per_subject: 1 },
    audit: {
      ...base,
      name: names.streams.audit,
      subjects: [names.subjects.audit],
      retention: RetentionPolicy.Limits,
      duplicate_window: window(10 * 60_000),
    },
    control: {
      ...base,
      name: names.streams.control,
      subjects: [names.subjects.control],
      retention: RetentionPolicy.Limits,
      duplicate_window: window(10 * 60_000),
    },
    // Messages consumers gave up on, bounded by age and by size, so a flood of bad messages cannot fill the disk.
    dead: {
      ...base,
      name: names.streams.dead,
      subjects: [names.subjects.dead],
      retention: RetentionPolicy.Limits,
      max_bytes: settings.deadLetterMaxBytes ?? DEFAULT_DEAD_LETTER_MAX_BYTES,
      duplicate_window: window(10 * 60_000),
    },
  } satisfies Record<string, Partial<StreamConfig> & { name: string }>;
}
