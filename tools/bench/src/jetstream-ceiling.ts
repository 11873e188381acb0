// The second ceiling of the end-to-end benchmark: how many messages a bare nats.js client stores in JetStream per
// second on this machine. Each delivery needs at least two stores by design (the event on EVENTS, its task on
// DELIVERIES), so half this rate bounds fan-out 1 whatever the services do.
import { deliveryIdFor, eventTypes, newMessageId } from '@hookmesh/contracts';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

export type JetStreamCeilingResult = { seconds: number; stored: number; perSecond: number; window: number; bodyBytes: number };

/**
 * Publishes DeliveryTask-sized messages (the same JSON the fan-out stores, each with its own Nats-Msg-Id) to a
 * throwaway file-storage stream with `window` publishes in flight, for `seconds` or `maxMessages`, and deletes the
 * stream after. The stream is configured like DELIVERIES (file storage, work queue, two-minute dedupe window).
 */
export async function measureJetStreamCeiling(natsUrl: string, options: { seconds: number; window: number; maxMessages: number }): Promise<JetStreamCeilingResult> {
  const name = `benchjs_${randomBytes(4).toString('hex')}`;
  const subject = `${name}.tasks`;
  const messageId = newMessageId();
  const body = new TextEncoder().encode(
    JSON.stringify({
      delivery_id: deliveryIdFor(messageId, 'cb'),
      series: 0,
      attempt: 1,
      account: 'bench',
      callback_id: 'cb',
      event: { message_id: messageId, message_type: 'orderEvent', api_version: '1.0', data: eventTypes.orderEvent.example.data },
      ingested_at: new Date().toISOString(),
    }),
  );
  const nc = await connect({ servers: natsUrl, timeout: 5_000, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Workqueue, duplicate_window: 120_000_000_000 });
    try {
      const js = jetstream(nc);
      let stored = 0;
      let sent = 0;
      const started = performance.now();
      const stopAt = started + options.seconds * 1000;
      async function lane(): Promise<void> {
        while (performance.now() < stopAt && sent < options.maxMessages) {
          sent += 1;
          await js.publish(subject, body, { msgID: `${name}:${sent}`, timeout: 10_000 });
          stored += 1;
        }
      }
      await Promise.all(Array.from({ length: options.window }, () => lane()));
      const seconds = (performance.now() - started) / 1000;
      return { seconds, stored, perSecond: stored / seconds, window: options.window, bodyBytes: body.length };
    } finally {
      await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
