// Every dispatcher replica's circuits in one KV bucket: a circuit opens and closes once for the installation, and an
// open circuit survives a restart. Reads come from an in-memory mirror of the bucket (a healthy callback costs a map
// lookup); failures and probes change the record with compare-and-set, so concurrent replicas never lose an update.
import { CircuitRecord, type NatsNames } from '@hookmesh/contracts';
import { openKv, startKvMirror, type JetStreamClient, type KV, type KvMirror } from '@hookmesh/messaging';
import type { Logger } from 'pino';
import { afterFailure, circuitAdmission, withProbe, withoutProbe, type AfterFailure, type CircuitAdmission, type CircuitSettings, type FailureFacts } from '../domain/circuit';

export interface CircuitStore {
  /** May an attempt go out now? `probe` means this caller claimed the one attempt after a cool-down. */
  admit(account: string, callbackId: string): Promise<CircuitAdmission>;
  /** Gives back a claimed probe whose attempt did not go out. */
  releaseProbe(account: string, callbackId: string): Promise<void>;
  /** A delivered attempt: the failure run ends; `closed` when it ended an open circuit. */
  recordSuccess(account: string, callbackId: string): Promise<{ closed: boolean }>;
  /** A failed attempt: counted once for the installation. */
  recordFailure(account: string, callbackId: string, facts: FailureFacts): Promise<AfterFailure>;
  /** Drops a callback's record (its URL changed, it was re-enabled or deleted). */
  forget(account: string, callbackId: string): Promise<void>;
  /** The current record, if the callback is failing. */
  recordOf(account: string, callbackId: string): CircuitRecord | undefined;
  /** Callbacks failing and with an open circuit, for metrics. */
  counts(now: number): { failing: number; open: number };
  stop(): Promise<void>;
}

export interface CircuitStoreOptions {
  js: JetStreamClient;
  names: NatsNames;
  log: Logger;
  settings: CircuitSettings;
  /** Stream replicas of the bucket. */
  replicas?: number;
  now?: () => number;
}

// A record untouched this long is from a callback nobody delivers to any more; the bucket forgets it.
const RECORD_MAX_AGE_MARGIN_MS = 86_400_000;
const CAS_ATTEMPTS = 8;

/** The bucket, created when missing; kept for as long as a failure run may last, plus a day. */
export function openCircuitsBucket(js: JetStreamClient, names: NatsNames, settings: Pick<CircuitSettings, 'disableAfterMs'>, replicas = 1): Promise<KV> {
  return openKv(js, names.circuits.bucket, { history: 1, replicas, ttl: settings.disableAfterMs + RECORD_MAX_AGE_MARGIN_MS });
}

/** Opens the bucket and its mirror; resolves once every record is in memory. */
export async function startCircuitStore(options: CircuitStoreOptions): Promise<CircuitStore> {
  const { js, names, log, settings } = options;
  const now = options.now ?? Date.now;
  const kv = await openCircuitsBucket(js, names, settings, options.replicas);
  const mirror: KvMirror<CircuitRecord> = await startKvMirror({
    kv,
    log,
    parse: (key, entry) => {
      const parsed = CircuitRecord.safeParse(entry.json());
      if (!parsed.success) log.warn({ key }, 'ignoring a malformed circuit record');
      return parsed.success ? parsed.data : null;
    },
  });
  const keyOf = (account: string, callbackId: string) => names.circuits.key(account, callbackId);

  /** Reads the record, applies `change`, writes it back if nobody wrote in between; retries on a conflict. */
  async function compareAndSet<T>(key: string, change: (current: CircuitRecord | undefined) => { next: CircuitRecord | null; result: T } | null): Promise<T | undefined> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const entry = await kv.get(key);
      const exists = entry !== null && entry.operation === 'PUT';
      const current = exists ? CircuitRecord.safeParse(entry.json()).data : undefined;
      const decided = change(current);
      if (decided === null) return undefined;
      try {
        if (decided.next === null) {
          if (exists) await kv.delete(key, { previousSeq: entry.revision });
        } else if (exists) {
          await kv.update(key, JSON.stringify(decided.next), entry.revision);
        } else if (entry === null) {
          await kv.create(key, JSON.stringify(decided.next));
        } else {
          // A deleted key keeps a tombstone revision: write over it like an update.
          await kv.update(key, JSON.stringify(decided.next), entry.revision);
        }
        return decided.result;
      } catch (error) {
        // "wrong last sequence" / "key exists": another replica wrote first; read again and redo the change.
        if (attempt === CAS_ATTEMPTS - 1) throw error;
      }
    }
    return undefined;
  }

  return {
    async admit(account, callbackId) {
      const key = keyOf(account, callbackId);
      const admission = circuitAdmission(mirror.get(key), now(), settings);
      if (admission.kind !== 'probe') return admission;
      // Claim the probe for the installation; the loser waits like any delivery behind an open circuit.
      const claimed = await compareAndSet(key, (current) => {
        const fresh = circuitAdmission(current, now(), settings);
        return fresh.kind === 'probe' && current !== undefined ? { next: withProbe(current, now()), result: fresh } : { next: current ?? null, result: fresh };
      });
      return claimed ?? { kind: 'closed' };
    },
    async releaseProbe(account, callbackId) {
      await compareAndSet(keyOf(account, callbackId), (current) => (current?.probe_started_at == null ? null : { next: withoutProbe(current, now()), result: undefined }));
    },
    async recordSuccess(account, callbackId) {
      const key = keyOf(account, callbackId);
      // The common case, a healthy callback, never touches the bucket.
      if (mirror.get(key) === undefined) return { closed: false };
      const closed = await compareAndSet(key, (current) => (current === undefined ? null : { next: null, result: current.closes_at !== null }));
      return { closed: closed ?? false };
    },
    async recordFailure(account, callbackId, facts) {
      const outcome = await compareAndSet(keyOf(account, callbackId), (current) => {
        const next = afterFailure(current, { account, callbackId }, facts, now(), settings);
        return { next: next.record, result: next };
      });
      if (outcome === undefined) throw new Error(`circuit of ${account}/${callbackId} could not be updated`);
      return outcome;
    },
    async forget(account, callbackId) {
      const key = keyOf(account, callbackId);
      if (mirror.get(key) === undefined) return;
      await compareAndSet(key, (current) => (current === undefined ? null : { next: null, result: undefined }));
    },
    recordOf: (account, callbackId) => mirror.get(keyOf(account, callbackId)),
    counts(at) {
      let failing = 0;
      let open = 0;
      for (const [, record] of mirror.entries()) {
        failing += 1;
        if (record.closes_at !== null && Date.parse(record.closes_at) > at) open += 1;
      }
      return { failing, open };
    },
    stop: () => mirror.stop(),
  };
}
