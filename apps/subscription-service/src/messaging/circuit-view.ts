// What the dispatchers share about each callback, mirrored in memory so GET /callbacks can say its health without a
// NATS round trip: the circuit records (failing callbacks) and the throttle records (deliveries held back at a rate
// limit). The dispatchers own and configure both buckets; this service only reads them, and until a dispatcher has
// created one there is nothing in it to read.
import { CircuitRecord, ThrottleRecord, type NatsNames } from '@hookmesh/contracts';
import { bindKv, startKvMirror, type JetStreamClient, type JetStreamManager, type KvMirror } from '@hookmesh/messaging';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CircuitView } from '../domain/callbacks';

export interface RunningCircuitView extends CircuitView {
  stop(): Promise<void>;
}

export interface CircuitViewOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  log: Logger;
  /** How often to look again for a bucket that does not exist yet, or after NATS failed; default 5 s. */
  retryMs?: number;
}

interface BoundMirror<V> {
  /** The records were read once, or the bucket does not exist yet (so holds none). */
  loaded(): boolean;
  get(key: string): V | undefined;
  stop(): Promise<void>;
}

/** Mirrors a bucket another service creates, binding once it exists; retries in the background until then. */
function startBoundMirror<V>(options: CircuitViewOptions & { bucket: string; schema: z.ZodType<V>; what: string }): BoundMirror<V> {
  const { js, jsm, log, bucket, schema, what, retryMs = 5_000 } = options;
  let mirror: KvMirror<V> | undefined;
  let noBucketYet = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attach(): Promise<void> {
    if (stopped) return;
    try {
      const kv = await bindKv(js, jsm, bucket);
      if (kv === null) {
        noBucketYet = true;
      } else {
        const started = await startKvMirror({
          kv,
          log,
          parse: (key, entry) => {
            const parsed = schema.safeParse(entry.json());
            if (!parsed.success) log.warn({ key }, `ignoring a malformed ${what} record`);
            return parsed.success ? parsed.data : null;
          },
        });
        if (stopped) await started.stop();
        else mirror = started;
        return;
      }
    } catch (error) {
      log.warn({ err: error, bucket }, `cannot read the ${what} records yet; callbacks show no health until they are read`);
    }
    if (!stopped) timer = setTimeout(() => void attach(), retryMs);
  }
  void attach();

  return {
    loaded: () => mirror !== undefined || noBucketYet,
    get: (key) => mirror?.get(key),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await mirror?.stop();
    },
  };
}

/** Starts reading both buckets in the background; loaded() turns true once the circuit records are known. */
export function startCircuitView(options: CircuitViewOptions): RunningCircuitView {
  const { names } = options;
  const circuits = startBoundMirror({ ...options, bucket: names.circuits.bucket, schema: CircuitRecord, what: 'circuit' });
  const throttles = startBoundMirror({ ...options, bucket: names.throttles.bucket, schema: ThrottleRecord, what: 'throttle' });
  return {
    loaded: () => circuits.loaded(),
    recordOf: (account, callbackId) => circuits.get(names.circuits.key(account, callbackId)),
    throttleOf: (account, callbackId) => throttles.get(names.throttles.key(account, callbackId)),
    async stop() {
      await Promise.all([circuits.stop(), throttles.stop()]);
    },
  };
}
