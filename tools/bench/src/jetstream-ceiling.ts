// The second ceiling of the end-to-end benchmark: how many messages a bare nats.js client stores in JetStream per
// second on this machine. Each delivery needs at least two stores by design (the event on EVENTS, its task on
// DELIVERIES), so half this rate bounds fan-out 1 whatever the services do.
import { deliveryIdFor, eventTypes, newMessageId } from '@hookmesh/contracts';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { cpuSeconds, pidsNamed, sumOverProcessesNamed } from '@hookmesh/testing';

export type JetStreamCeilingResult = {
  seconds: number;
  stored: number;
  perSecond: number;
  window: number;
  bodyBytes: number;
  /** nats-server CPU per message stored, and per message then delivered to a pull consumer and acked (µs). */
  natsMicrosPerStore: number | null;
  natsMicrosPerConsumeAck: number | null;
  consumeSeconds: number;
};

/** CPU seconds used so far by every nats-server process (the server may be shared; the bench is its main user). */
function natsCpuSeconds(): number | null {
  return pidsNamed('nats-server').length === 0 ? null : sumOverProcessesNamed('nats-server', cpuSeconds);
}

const micros = (before: number | null, after: number | null, count: number) => (before === null || after === null || count === 0 ? null : ((after - before) * 1e6) / count);

/**
 * Publishes DeliveryTask-sized messages (the same JSON the fan-out stores, each with its own Nats-Msg-Id) to a
 * throwaway file-storage stream with `window` publishes in flight, for `seconds` or `maxMessages`, and deletes the
 * stream after. The stream is configured like DELIVERIES (file storage, work queue, two-minute dedupe window).
 * Then one pull consumer takes and acks every stored message (256 buffered, like the services' consumers), so the
 * report also has nats-server's CPU per consume + ack. `replicas` (3 on a cluster) stores each message on that many
 * servers, acknowledged once a quorum has it; `natsUrl` may name several servers, comma-separated.
 */
export async function measureJetStreamCeiling(natsUrl: string, options: { seconds: number; window: number; maxMessages: number; replicas?: number }): Promise<JetStreamCeilingResult> {
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
  const nc = await connect({ servers: natsUrl.split(','), timeout: 5_000, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Workqueue, duplicate_window: 120_000_000_000, num_replicas: options.replicas ?? 1 });
    try {
      const js = jetstream(nc);
      let stored = 0;
      let sent = 0;
      const cpuBefore = natsCpuSeconds();
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
      const cpuStored = natsCpuSeconds();

      await jsm.consumers.add(name, { durable_name: 'take', ack_policy: AckPolicy.Explicit, max_ack_pending: 20_000 });
      const messages = await (await js.consumers.get(name, 'take')).consume({ max_messages: 256, expires: 5_000 });
      const consumeStarted = performance.now();
      let taken = 0;
      const deadline = setTimeout(() => messages.stop(), Math.max(10_000, options.seconds * 3_000));
      for await (const msg of messages) {
        msg.ack();
        taken += 1;
        if (taken >= stored) break;
      }
      clearTimeout(deadline);
      // The last acks reach the server with the next flush; a round trip makes sure they were processed.
      await nc.flush();
      const consumeSeconds = (performance.now() - consumeStarted) / 1000;
      const cpuConsumed = natsCpuSeconds();
      return {
        seconds,
        stored,
        perSecond: stored / seconds,
        window: options.window,
        bodyBytes: body.length,
        natsMicrosPerStore: micros(cpuBefore, cpuStored, stored),
        natsMicrosPerConsumeAck: micros(cpuStored, cpuConsumed, taken),
        consumeSeconds,
      };
    } finally {
      await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
