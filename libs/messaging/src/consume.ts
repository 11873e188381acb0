import type { ConsumerConfig, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { ensureConsumer } from './streams';

export type RunningConsumer = {
  /** Stops pulling, waits for in-flight handlers to settle. */
  stop(): Promise<void>;
  /** Resolves when the loop has ended. */
  done: Promise<void>;
};

type CommonOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  config: Partial<ConsumerConfig> & { durable_name: string };
  log: Logger;
  /** Messages buffered by the client ahead of the handlers. */
  maxMessages?: number;
  /** Pause before re-creating a consumer that went away. */
  recreateDelayMs?: number;
  /** Lifetime of each pull request (ms); bounds the stall after a NATS restart. */
  pullExpiresMs?: number;
};

export type RunConsumerOptions = CommonOptions & {
  /** Handles one message and settles it (ack/nak/term); a throw naks it with a delay. */
  handle: (msg: JsMsg) => Promise<void>;
  /** Handlers running at once. */
  concurrency: number;
};

export type RunBatchConsumerOptions = CommonOptions & {
  /** Handles a batch and settles each message in it; a throw naks them all with a delay. */
  handleBatch: (msgs: JsMsg[]) => Promise<void>;
  maxBatch: number;
  /** Longest a partial batch waits for more messages. */
  maxWaitMs: number;
};

const FAILED_HANDLER_NAK_MS = 2_000;

/**
 * A supervised pull-consumer loop: ensures the durable consumer, consumes, watches
 * status() and re-creates the consumer after it is deleted, not found, or heartbeats
 * stop — the way the nats.js examples do — until stop() is called.
 */
function supervise(options: CommonOptions, drain: (messages: ConsumerMessages) => Promise<void>): RunningConsumer {
  let stopping = false;
  let current: ConsumerMessages | undefined;
  const { log } = options;
  const context = { stream: options.stream, consumer: options.config.durable_name };

  const done = (async () => {
    while (!stopping) {
      try {
        await ensureConsumer(options.jsm, options.stream, options.config);
        const consumer = await options.js.consumers.get(options.stream, options.config.durable_name);
        // Short pulls: a pull request dies with a restarted server, and the client only notices
        // when it expires (30 s by default), so deliveries would stall that long after an outage.
        const messages = await consumer.consume({ max_messages: options.maxMessages ?? 256, expires: options.pullExpiresMs ?? 5_000 });
        current = messages;
        void (async () => {
          for await (const status of messages.status()) {
            const gone =
              status.type === 'consumer_deleted' ||
              status.type === 'consumer_not_found' ||
              status.type === 'stream_not_found' ||
              (status.type === 'heartbeats_missed' && status.count >= 2);
            if (gone) {
              log.warn({ ...context, status: status.type }, 'consumer lost; re-creating');
              messages.stop();
              break;
            }
          }
        })();
        await drain(messages);
      } catch (error) {
        if (stopping) break;
        log.error({ ...context, err: error }, 'consumer loop failed; retrying');
      }
      if (!stopping) await new Promise((resolve) => setTimeout(resolve, options.recreateDelayMs ?? 1_000));
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      current?.stop();
      await done;
    },
  };
}

/** Runs `handle` for each message with bounded concurrency, re-creating the consumer when it goes away. */
export function runConsumer(options: RunConsumerOptions): RunningConsumer {
  const inFlight = new Set<Promise<void>>();
  // The loop waits for a free slot on one promise that the next finishing handler resolves. (Promise.race over every
  // handler in flight cost a reaction per handler per message: at concurrency 100 that was most of the garbage.)
  let slotFreed: (() => void) | undefined;
  return supervise(options, async (messages) => {
    for await (const msg of messages) {
      while (inFlight.size >= options.concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
      const task: Promise<void> = options
        .handle(msg)
        .catch((error: unknown) => {
          options.log.error({ err: error, stream: options.stream, seq: msg.seq }, 'message handler failed');
          msg.nak(FAILED_HANDLER_NAK_MS);
        })
        .finally(() => {
          inFlight.delete(task);
          const wake = slotFreed;
          slotFreed = undefined;
          wake?.();
        });
      inFlight.add(task);
    }
    await Promise.allSettled(inFlight);
  });
}

/** Collects messages into batches (by size or wait) and hands each batch to `handleBatch`, one batch at a time. */
export function runBatchConsumer(options: RunBatchConsumerOptions): RunningConsumer {
  return supervise(options, async (messages) => {
    let pending: JsMsg[] = [];
    let chain: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      if (pending.length === 0) return chain;
      const batch = pending;
      pending = [];
      chain = chain.then(() =>
        options.handleBatch(batch).catch((error: unknown) => {
          options.log.error({ err: error, stream: options.stream, size: batch.length }, 'batch handler failed');
          for (const msg of batch) msg.nak(FAILED_HANDLER_NAK_MS);
        }),
      );
      return chain;
    };
    const timer = setInterval(() => void flush(), options.maxWaitMs);
    try {
      for await (const msg of messages) {
        pending.push(msg);
        if (pending.length >= options.maxBatch) await flush();
      }
      await flush();
    } finally {
      clearInterval(timer);
    }
  });
}

/** Messages not yet delivered plus those awaiting ack: the consumer's lag. */
export async function consumerLag(jsm: JetStreamManager, stream: string, durable: string): Promise<{ pending: number; ackPending: number }> {
  const info = await jsm.consumers.info(stream, durable);
  return { pending: info.num_pending, ackPending: info.num_ack_pending };
}
