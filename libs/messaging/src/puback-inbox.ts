// JetStream publishes whose PubAcks come back on one inbox subscription per connection. nats.js's js.publish goes
// through its request path, which after every successful request builds an Error with a stack trace (the request's
// cancel) beside a mux entry, a deferred and a timer: 3–4 % of event-ingest's and the dispatcher's CPU in the
// end-to-end benchmark. Here a publish is a map entry and a timer. Failures look as js.publish's do, so callers
// (publishJson) tell them apart the same way: TimeoutError, JetStreamNotEnabled (no responders: nothing stored),
// JetStreamApiError (the stream refused it).
import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import { TimeoutError, createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

/** What publishJson needs of a JetStream client; both js.publish and a PubAck inbox have it. */
export interface AckedPublisher {
  publish(subject: string, payload: Uint8Array, options: { msgID?: string; headers?: MsgHdrs; timeout: number; retries?: number }): Promise<PubAck>;
}

export interface PubAckInbox extends AckedPublisher {
  /** Publishes waiting for their PubAck now. */
  pending(): number;
}

interface Waiter {
  resolve(ack: PubAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const decoder = new TextDecoder();

/** Pause before another try after "no responders" (times the try's number): a stream leader is being elected. */
const NO_RESPONDERS_PAUSE_MS = 250;

/** No stream listens on the subject (or JetStream is down): nothing was stored. Named as nats.js names it. */
export class NoStreamResponded extends Error {
  override name = 'JetStreamNotEnabled';
}

type PubAckReply = { stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: { code: number; err_code: number; description: string } };

/**
 * Subscribes `<inbox prefix>.<nuid>.*` on the connection and returns a publisher whose PubAcks arrive there.
 * `retries` is how many tries a publish gets while the answer is "no responders" (default one: publishJson tries
 * again within its deadline itself); a timed-out try is not repeated (it may have been stored). A reply after the
 * timeout is dropped.
 */
export function createPubAckInbox(nc: NatsConnection): PubAckInbox {
  const prefix = createInbox();
  const waiters = new Map<string, Waiter>();
  let next = 0;

  nc.subscribe(`${prefix}.*`, {
    callback: (error, msg: Msg) => {
      if (error !== null) return;
      const token = msg.subject.slice(prefix.length + 1);
      const waiter = waiters.get(token);
      if (waiter === undefined) return;
      waiters.delete(token);
      clearTimeout(waiter.timer);
      settle(waiter, msg);
    },
  });

  function settle(waiter: Waiter, msg: Msg): void {
    if (msg.headers?.code === 503) {
      waiter.reject(new NoStreamResponded('jetstream is not enabled: no responders'));
      return;
    }
    let reply: PubAckReply;
    try {
      reply = JSON.parse(decoder.decode(msg.data)) as PubAckReply;
    } catch (error) {
      waiter.reject(new Error(`unreadable PubAck: ${(error as Error).message}`));
      return;
    }
    if (reply.error !== undefined) {
      waiter.reject(new JetStreamApiError(reply.error));
      return;
    }
    if (typeof reply.stream !== 'string' || reply.stream === '' || typeof reply.seq !== 'number') {
      waiter.reject(new Error('invalid ack response'));
      return;
    }
    waiter.resolve({ stream: reply.stream, seq: reply.seq, duplicate: reply.duplicate ?? false, domain: reply.domain ?? '' });
  }

  function once(subject: string, payload: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<PubAck> {
    const token = (next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(token);
        reject(new TimeoutError());
      }, timeoutMs);
      waiters.set(token, { resolve, reject, timer });
      try {
        nc.publish(subject, payload, { reply: `${prefix}.${token}`, headers });
      } catch (error) {
        waiters.delete(token);
        clearTimeout(timer);
        reject(error as Error);
      }
    });
  }

  return {
    async publish(subject, payload, options) {
      const headers = options.headers ?? natsHeaders();
      if (options.msgID !== undefined) headers.set('Nats-Msg-Id', options.msgID);
      const tries = Math.max(1, options.retries ?? 1);
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await once(subject, payload, headers, options.timeout);
        } catch (error) {
          // As js.publish: another try only after "no responders" (nothing stored); a timeout may have stored it.
          if (!(error instanceof NoStreamResponded) || attempt >= tries) throw error;
          await new Promise((resolve) => setTimeout(resolve, NO_RESPONDERS_PAUSE_MS * attempt));
        }
      }
    },
    pending: () => waiters.size,
  };
}
