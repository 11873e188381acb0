// The dispatchers' circuit records (their KV bucket), mirrored in memory so GET /callbacks can say each callback's
// health without a NATS round trip. The dispatchers own and configure the bucket; this service only reads it, and
// until a dispatcher has created it there is nothing to read: every active callback is healthy.
import { CircuitRecord, type NatsNames } from '@hookmesh/contracts';
import { bindKv, startKvMirror, type JetStreamClient, type JetStreamManager, type KvMirror } from '@hookmesh/messaging';
import type { Logger } from 'pino';
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

/** Starts reading in the background; loaded() turns true once the records (or their absence) are known. */
export function startCircuitView(options: CircuitViewOptions): RunningCircuitView {
  const { js, jsm, names, log, retryMs = 5_000 } = options;
  let mirror: KvMirror<CircuitRecord> | undefined;
  let noBucketYet = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attach(): Promise<void> {
    if (stopped) return;
    try {
      const kv = await bindKv(js, jsm, names.circuits.bucket);
      if (kv === null) {
        noBucketYet = true;
      } else {
        const started = await startKvMirror({
          kv,
          log,
          parse: (key, entry) => {
            const parsed = CircuitRecord.safeParse(entry.json());
            if (!parsed.success) log.warn({ key }, 'ignoring a malformed circuit record');
            return parsed.success ? parsed.data : null;
          },
        });
        if (stopped) await started.stop();
        else mirror = started;
        return;
      }
    } catch (error) {
      log.warn({ err: error }, 'cannot read the circuit records yet; callbacks show no health until they are read');
    }
    if (!stopped) timer = setTimeout(() => void attach(), retryMs);
  }
  void attach();

  return {
    loaded: () => mirror !== undefined || noBucketYet,
    recordOf: (account, callbackId) => mirror?.get(names.circuits.key(account, callbackId)),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await mirror?.stop();
    },
  };
}
