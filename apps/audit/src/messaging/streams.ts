// The streams audit reads (EVENTS, AUDIT) and writes (DELIVERIES); their owners apply settings, audit only creates them
// when missing. Audit owns DEAD (it lists the dead letters), so it applies DEAD's age and size bounds.
import { hookmeshStreamConfigs, ensureStream, type HookmeshStreamSettings, type JetStreamManager } from '@hookmesh/messaging';

/** Creates EVENTS, AUDIT and DELIVERIES when missing, never changing them (event-ingest and dispatcher own them); creates or updates DEAD. */
export async function ensureAuditStreams(jsm: JetStreamManager, settings: HookmeshStreamSettings): Promise<void> {
  const configs = hookmeshStreamConfigs(settings);
  for (const config of [configs.events, configs.audit, configs.deliveries]) await ensureStream(jsm, config, { update: false });
  await ensureStream(jsm, configs.dead, { update: true });
}
