import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';

export type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';

/** Opens the KV bucket, creating it (with these options) when it does not exist yet. */
export async function openKv(js: JetStreamClient, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  return new Kvm(js).create(bucket, { history: 1, ...options });
}
