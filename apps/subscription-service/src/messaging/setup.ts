// The streams and KV bucket subscription-service uses; it owns CONTROL and the KV bucket, so only it updates them.
import type { NatsNames } from '@hookmesh/contracts';
import { ensureStream, hookmeshStreamConfigs, openKv, type HookmeshStreamSettings, type JetStreamClient, type JetStreamManager, type KV } from '@hookmesh/messaging';

/** Ensures CONTROL (owned, updated), EVENTS (created if missing, never updated here) and opens the KV bucket. */
export async function setupSubscriptionNats(jsm: JetStreamManager, js: JetStreamClient, names: NatsNames, settings: HookmeshStreamSettings): Promise<KV> {
  const configs = hookmeshStreamConfigs(settings);
  await ensureStream(jsm, configs.control, { update: true });
  // POST /callbacks/{id}/test publishes to EVENTS; event-ingest owns its settings.
  await ensureStream(jsm, configs.events, { update: false });
  // history 1: the dispatcher needs the current state only, and a cold start replays one entry per key.
  return openKv(js, names.kv.bucket, { history: 1, replicas: settings.replicas });
}

/** The sequence EVENTS gives the next event it stores: an ordered callback created now orders events from there on. */
export async function nextEventSeq(jsm: JetStreamManager, names: NatsNames): Promise<number> {
  const info = await jsm.streams.info(names.streams.events);
  return info.state.last_seq + 1;
}
