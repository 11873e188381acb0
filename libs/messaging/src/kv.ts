import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';

export type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';

/** Opens the KV bucket, creating it (with these options) when it does not exist yet. */
export async function openKv(js: JetStreamClient, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  return new Kvm(js).create(bucket, { history: 1, ...options });
}

/**
 * Opens a bucket another service owns (and configures) without creating it: null while it does not exist yet.
 * Other errors (NATS unreachable) are thrown.
 */
export async function bindKv(js: JetStreamClient, jsm: JetStreamManager, bucket: string): Promise<KV | null> {
  try {
    await jsm.streams.info(`KV_${bucket}`);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
    throw error;
  }
  return new Kvm(js).open(bucket);
}
