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
  /** Pause before the first try to re-create a consumer that went away; later tries back off up to RECREATE_MAX_DELAY_MS. */
  recreateDelayMs?: number;
  /** Lifetime of each pull request (ms). */
  pullExpiresMs?: number;
  /** How often the server says "still here" on an idle pull (ms); two missed and the pull is re-created. */
  idleHeartbeatMs?: number;
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
const PULL_EXPIRES_MS = 5_000;
/**
 * The server sends a heartbeat on an idle pull this often. A pull lives on the consumer's leader: when that leader
 * dies (or the connection's server does), nothing tells the client, and only the missing heartbeats do, so this
 * bounds how long deliveries stall after a failover (2 missed + the re-create).
 */
const IDLE_HEARTBEAT_MS = 1_000;
const RECREATE_DELAY_MS = 100;
const RECREATE_MAX_DELAY_MS = 500;
/**
 * Longest one JetStream API call of a (re-)create may take. A consumer without a leader does not answer at all, so
 * with nats.js's 5 s default a try sent just before the election would hold the consumer 5 s past it; a short
 * timeout and a prompt next try resume it within about a second of the cluster having a leader again.
 */
const RECREATE_API_TIMEOUT_MS = 1_000;

class ApiTimeout extends Error {}

/** `work`, or an ApiTimeout after `ms` (the request itself is left to finish or time out on its own). */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ApiTimeout(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A supervised pull-consumer loop: ensures the durable consumer, consumes, and re-creates the pull when the consumer
 * is deleted or not found, or when the server goes quiet (no message and no heartbeat for two heartbeat intervals:
 * its leader or our server died), until stop() is called. The watchdog is ours, not nats.js's: nats.js pauses its
 * heartbeat check while disconnected and, after a reconnect, retries a failed consumer info only every `expires`.
 */
function supervise(options: CommonOptions, drain: (messages: ConsumerMessages) => Promise<void>, busy: () => boolean): RunningConsumer {
  let stopping = false;
  let current: ConsumerMessages | undefined;
  const { log } = options;
  const context = { stream: options.stream, consumer: options.config.durable_name };
  const heartbeatMs = options.idleHeartbeatMs ?? IDLE_HEARTBEAT_MS;
  const firstDelayMs = options.recreateDelayMs ?? RECREATE_DELAY_MS;
  // The config is written on the first start and after the consumer was lost, not after every stall: an update is a
  // cluster-wide proposal, and right after a failover it is one more request that may wait for a leader.
  let needsEnsure = true;

  async function open(): Promise<ConsumerMessages> {
    if (needsEnsure) {
      await within(RECREATE_API_TIMEOUT_MS * 2, ensureConsumer(options.jsm, options.stream, options.config), 'ensure consumer');
      needsEnsure = false;
    }
    const consumer = await within(RECREATE_API_TIMEOUT_MS, options.js.consumers.get(options.stream, options.config.durable_name), 'consumer info').catch((error: unknown) => {
      if (/not found/i.test(String(error))) needsEnsure = true;
      throw error;
    });
    return consumer.consume({ max_messages: options.maxMessages ?? 256, expires: options.pullExpiresMs ?? PULL_EXPIRES_MS, idle_heartbeat: heartbeatMs });
  }

  const done = (async () => {
    let failures = 0;
    while (!stopping) {
      let stalled = false;
      try {
        const messages = await open();
        current = messages;
        if (stopping) messages.stop();
        let lastSignOfLife = Date.now();
        const touch = () => {
          lastSignOfLife = Date.now();
        };
        // Messages that reached the client's buffer count, not only those the handlers took: busy handlers are no stall.
        let received = 0;
        const watchdog = setInterval(() => {
          // Handlers that took all they may take stop the client from pulling: the quiet is ours, not the server's.
          if (busy()) touch();
          if (messages.getReceived() !== received) {
            received = messages.getReceived();
            touch();
          }
          if (Date.now() - lastSignOfLife <= 2 * heartbeatMs + heartbeatMs / 2) return;
          stalled = true;
          log.warn({ ...context, quiet_ms: Date.now() - lastSignOfLife }, 'consumer quiet (leader or server gone); re-creating the pull');
          messages.stop();
        }, heartbeatMs / 2);
        void (async () => {
          for await (const status of messages.status()) {
            // Heartbeats and the server's other answers on the pull (expiry, discards) are signs of life too.
            if (status.type === 'heartbeat' || status.type === 'discard' || status.type === 'debug') touch();
            const gone = status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found';
            if (gone) {
              needsEnsure = true;
              log.warn({ ...context, status: status.type }, 'consumer lost; re-creating');
              messages.stop();
              break;
            }
          }
        })();
        try {
          await drain(messages);
        } finally {
          clearInterval(watchdog);
        }
        failures = 0;
      } catch (error) {
        if (stopping) break;
        failures += 1;
        // The first failures of a failover are expected (no leader yet): a warning; a long outage is an error.
        const level = failures <= 3 ? 'warn' : 'error';
        log[level]({ ...context, err: error, failures }, 'consumer loop failed; retrying');
      }
      if (stopping) break;
      // A stall retries at once; failed tries back off 100 ms, 200 ms, 400 ms, then every 500 ms.
      const delayMs = stalled && failures === 0 ? 0 : Math.min(RECREATE_MAX_DELAY_MS, firstDelayMs * 2 ** Math.max(0, failures - 1));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
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
  const supervised = supervise(options, async (messages) => {
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
  }, () => inFlight.size >= options.concurrency);
  // Handlers in flight outlive a re-created pull (they still ack through their messages' reply subjects, and they
  // count against the concurrency of the next pull): only stopping waits for them.
  const settled = async (): Promise<void> => {
    await Promise.allSettled(inFlight);
  };
  return {
    done: supervised.done.then(settled),
    async stop() {
      await supervised.stop();
      await settled();
    },
  };
}

/** Collects messages into batches (by size or wait) and hands each batch to `handleBatch`, one batch at a time. */
export function runBatchConsumer(options: RunBatchConsumerOptions): RunningConsumer {
  let flushing = false;
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
        if (pending.length >= options.maxBatch) {
          flushing = true;
          try {
            await flush();
          } finally {
            flushing = false;
          }
        }
      }
      await flush();
    } finally {
      clearInterval(timer);
    }
  }, () => flushing);
}

/** Messages not yet delivered plus those awaiting ack: the consumer's lag. */
export async function consumerLag(jsm: JetStreamManager, stream: string, durable: string): Promise<{ pending: number; ackPending: number }> {
  const info = await jsm.consumers.info(stream, durable);
  return { pending: info.num_pending, ackPending: info.num_ack_pending };
}
