import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { headersWithTraceContext } from './trace-context';

export type PublishOptions = {
  /** Nats-Msg-Id: JetStream drops a repeat inside the stream's duplicate window. */
  msgID: string;
  headers?: MsgHdrs;
  /** How long to wait for the PubAck (ms). */
  timeoutMs?: number;
  /** Attempts on "no responders" while a stream leader is being elected. */
  retries?: number;
};

const encoder = new TextEncoder();

/** Serialises a value to the JSON bytes published on NATS. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Publishes JSON to JetStream and resolves only once the stream stored it (PubAck),
 * with the trace context in the headers. `duplicate` on the ack tells a repeat.
 */
export function publishJson(js: JetStreamClient, subject: string, value: unknown, options: PublishOptions): Promise<PubAck> {
  return js.publish(subject, encodeJson(value), {
    msgID: options.msgID,
    headers: headersWithTraceContext(options.headers),
    timeout: options.timeoutMs ?? 5_000,
    retries: options.retries ?? 3,
  });
}
