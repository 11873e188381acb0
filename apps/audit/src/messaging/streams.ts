// The streams audit reads (EVENTS, AUDIT) and writes (DELIVERIES); their owners apply settings, audit only creates them
// when missing. Audit owns DEAD (it lists the dead letters), so it applies DEAD's age and size bounds.
import { hookmeshStreamConfigs, ensureStream, type JetStreamManager } from '@hookmesh/messaging';

export interface StreamSettings {
  prefix: string;
  retentionMs: number;
  idempotencyWindowMs: number;
  replicas: number;
  /** HOOKMESH_DEAD_LETTER_MAX_BYTES. */
  deadLetterMaxBytes?: number;
}

/** The stream configs of this installation, from StreamsEnv and the prefix. */
export function streamConfigsOf(settings: StreamSettings) {
  return hookmeshStreamConfigs({
    prefix: settings.prefix,
    maxAgeMs: settings.retentionMs,
    duplicateWindowMs: settings.idempotencyWindowMs,
    replicas: settings.replicas,
    deadLetterMaxBytes: settings.deadLetterMaxBytes,
  });
}

/** Creates EVENTS, AUDIT and DELIVERIES when missing, never changing them (event-ingest and dispatcher own them); creates or updates DEAD. */
export async function ensureAuditStreams(jsm: JetStreamManager, settings: StreamSettings): Promise<void> {
  const configs = streamConfigsOf(settings);
  for (const config of [configs.events, configs.audit, configs.deliveries]) await ensureStream(jsm, config, { update: false });
  await ensureStream(jsm, configs.dead, { update: true });
}
