// The EVENTS stream, which event-ingest owns: its setup and the publisher that stores ingested events in it.
import { EventRecord, auditMsgId, eventMsgId, type DuplicateIngestRecord, type NatsNames } from '@hookmesh/contracts';
import {
  DeadlineExceeded,
  beforeDeadline,
  encodeJson,
  ensureStream,
  hookmeshStreamConfigs,
  publishJson,
  type HookmeshStreamSettings,
  type AckedPublisher,
  type JetStreamManager,
  type NatsConnection,
  type Deadline,
  type PubAck,
} from '@hookmesh/messaging';
import { sameEvent, type PublishedEvent } from '../domain/event-records';
import type { ConnectionState } from './connection-state';

/**
 * Creates EVENTS, or applies the configured retention, replicas and idempotency window to it (this service owns it);
 * creates AUDIT when missing (repeats are reported there; audit owns its settings).
 */
export async function ensureIngestStreams(jsm: JetStreamManager, settings: HookmeshStreamSettings): Promise<void> {
  const configs = hookmeshStreamConfigs(settings);
  await ensureStream(jsm, configs.events, { update: true });
  await ensureStream(jsm, configs.audit, { update: false });
}

/** JetStream did not acknowledge every event: the request may be retried (with the same idempotency keys). */
export class EventsNotStored extends Error {
  override readonly name = 'EventsNotStored';
  constructor(
    readonly reason: 'disconnected' | 'publish_failed' | 'timeout' | 'original_unreadable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Some events would exceed NATS's max_payload once wrapped: nothing was published. */
export class EventsTooLarge extends Error {
  override readonly name = 'EventsTooLarge';
  constructor(
    readonly oversized: ReadonlyArray<{ index: number; bytes: number }>,
    readonly maxBytes: number,
  ) {
    super(`events ${oversized.map((entry) => entry.index).join(', ')} exceed the ${maxBytes}-byte message limit`);
  }
}

/** A repeated idempotency key whose first event is no longer in the stream (purged by hand): its id is unknown. */
export class OriginalEventMissing extends Error {
  override readonly name = 'OriginalEventMissing';
}

/** Stores EventRecords in EVENTS and answers only with what JetStream acknowledged. */
export interface EventPublisher {
  /**
   * Publishes every record at once and resolves when all are acknowledged, within the deadline, saying for each
   * whether it was stored, replayed or refused as a conflict; throws EventsNotStored or EventsTooLarge.
   */
  publish(records: readonly EventRecord[], deadline: Deadline): Promise<PublishedEvent[]>;
  /** Puts the reports of answered repeats on AUDIT (for audit's duplicate count) within the deadline; rejects otherwise. */
  reportDuplicates(reports: readonly DuplicateIngestRecord[], deadline: Deadline): Promise<void>;
}

export interface EventPublisherOptions {
  nc: NatsConnection;
  /** Where events are published: the connection's PubAck inbox (or a JetStream client). */
  js: AckedPublisher;
  jsm: JetStreamManager;
  names: NatsNames;
  connection: ConnectionState;
}

// Room left for the headers (Nats-Msg-Id up to ~270 bytes, traceparent, tracestate) inside max_payload.
const HEADER_ALLOWANCE_BYTES = 1024;

/** Builds the publisher that stores ingested events in EVENTS. */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const { nc, js, jsm, names, connection } = options;

  // The first message stored under a repeated Nats-Msg-Id holds the event the producer first sent under that key.
  async function originalRecord(seq: number, deadline: Deadline): Promise<EventRecord> {
    const stored = await beforeDeadline(jsm.streams.getMessage(names.streams.events, { seq }), deadline, 'reading the first event of a repeated key');
    if (stored === null) throw new OriginalEventMissing(`EVENTS message ${seq} is gone`);
    return EventRecord.parse(stored.json());
  }

  return {
    async publish(records, deadline) {
      if (!connection.isConnected()) {
        throw new EventsNotStored('disconnected', 'not connected to NATS');
      }
      const maxPayload = nc.info?.max_payload;
      if (maxPayload !== undefined) {
        const limit = maxPayload - HEADER_ALLOWANCE_BYTES;
        const oversized = records
          .map((record, index) => ({ index, bytes: encodeJson(record).byteLength }))
          .filter((entry) => entry.bytes > limit);
        if (oversized.length > 0) throw new EventsTooLarge(oversized, limit);
      }

      // Every publish is in flight at once; allSettled (not all) so the answer waits for the slowest PubAck and the
      // log says exactly how many were stored when some failed.
      const settled = await Promise.allSettled(
        records.map((record) =>
          publishJson(js, names.eventSubject(record.account, record.message_type, record.ordering_key), record, { msgID: eventMsgId(record), deadline }),
        ),
      );
      const failures = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failures.length > 0) {
        const timedOut = failures.some((failure) => failure.reason instanceof DeadlineExceeded);
        throw new EventsNotStored(
          timedOut ? 'timeout' : 'publish_failed',
          `${failures.length} of ${records.length} events were not acknowledged by JetStream${timedOut ? ` within ${deadline.budgetMs} ms` : ''}`,
          { cause: failures[0]?.reason },
        );
      }
      const acks = settled.map((result) => (result as PromiseFulfilledResult<PubAck>).value);

      return Promise.all(
        acks.map(async (ack, index): Promise<PublishedEvent> => {
          const record = records[index]!;
          if (!ack.duplicate) return { outcome: 'stored', message_id: record.message_id };
          try {
            const original = await originalRecord(ack.seq, deadline);
            // A publish retried after a lost PubAck is flagged duplicate too, but the stored record is then our own.
            if (original.message_id === record.message_id) return { outcome: 'stored', message_id: record.message_id };
            return { outcome: sameEvent(original, record) ? 'replayed' : 'conflict', message_id: original.message_id };
          } catch (error) {
            if (error instanceof OriginalEventMissing) throw error;
            throw new EventsNotStored('original_unreadable', 'could not read the first event stored under a repeated idempotency key', {
              cause: error,
            });
          }
        }),
      );
    },

    async reportDuplicates(reports, deadline) {
      // Each report has its own Nats-Msg-Id, so a producer's retry of a lost answer is counted once per request.
      await Promise.all(
        reports.map((report) => publishJson(js, names.auditSubject(report.account, report.kind), report, { msgID: auditMsgId(report), deadline })),
      );
    },
  };
}
