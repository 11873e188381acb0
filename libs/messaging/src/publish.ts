import type { PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { DeadlineExceeded, deadlineIn, type Deadline } from './deadline';
import type { AckedPublisher } from './puback-inbox';
import { headersWithTraceContext } from './trace-context';

export type PublishOptions = {
  /** Nats-Msg-Id: JetStream drops a repeat inside the stream's duplicate window. */
  msgID: string;
  headers?: MsgHdrs;
  /**
   * The whole publish, every try included, ends by this deadline (DeadlineExceeded otherwise). Pass one deadline to
   * every publish a request waits on, so the request answers within its budget however many steps it takes.
   */
  deadline?: Deadline;
  /** Without a deadline: the budget of this publish alone (ms), every try included. Default 5 s. */
  timeoutMs?: number;
};

const encoder = new TextEncoder();

/** Pauses between tries after "no responders", the brief gap while a stream leader is elected or JetStream restarts. */
const NO_RESPONDERS_BACKOFF_MS = [0, 250, 250, 500, 500, 1_000];

/** Serialises a value to the JSON bytes published on NATS. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

// nats.js turns "no responders" into JetStreamNotEnabled: nothing listened, so nothing was stored and a retry is safe.
function isNoResponders(error: unknown): boolean {
  return error instanceof Error && error.name === 'JetStreamNotEnabled';
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes JSON to JetStream and resolves only once the stream stored it (PubAck), with the trace context in the
 * headers. `duplicate` on the ack tells a repeat. Tries again after "no responders" while the deadline allows;
 * each try waits for its PubAck only as long as the deadline has left, so a stalled link costs the budget once,
 * not once per try. Rejects with DeadlineExceeded when the budget runs out. `js` is a JetStream client or, cheaper per
 * publish, the connection's PubAck inbox.
 */
export async function publishJson(js: AckedPublisher, subject: string, value: unknown, options: PublishOptions): Promise<PubAck> {
  const deadline = options.deadline ?? deadlineIn(options.timeoutMs ?? 5_000);
  const payload = encodeJson(value);
  const headers = headersWithTraceContext(options.headers);
  for (let attempt = 0; ; attempt += 1) {
    const remaining = deadline.remainingMs();
    if (remaining <= 0) throw new DeadlineExceeded(`no PubAck for ${subject} within ${deadline.budgetMs} ms`);
    try {
      // retries: 1, because nats.js would also retry a timed-out try, each with a full timeout of its own.
      return await js.publish(subject, payload, { msgID: options.msgID, headers, timeout: Math.ceil(remaining), retries: 1 });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new DeadlineExceeded(`no PubAck for ${subject} within ${deadline.budgetMs} ms`, { cause: error });
      }
      if (!isNoResponders(error)) throw error;
      const wait = NO_RESPONDERS_BACKOFF_MS[Math.min(attempt, NO_RESPONDERS_BACKOFF_MS.length - 1)]!;
      if (deadline.remainingMs() <= wait) throw new DeadlineExceeded(`JetStream did not answer ${subject} within ${deadline.budgetMs} ms`, { cause: error });
      await pause(wait);
    }
  }
}
