// The event catalog as event-ingest holds it: registered types from the subscription state (built-in ones from the
// contracts), validators compiled once per type version, and a second look at the bucket before refusing.
import { EventTypeState, type NatsNames } from '@hookmesh/contracts';
import { createDataValidators, lookupEventType, type DataValidators } from '@hookmesh/event-catalog';
import type { KV } from '@hookmesh/messaging';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import type { Logger } from 'pino';
import { judgeEvent, mayBeStale, type EventVerdict } from '../domain/event-checks';

export interface IngestCatalog {
  /** Every event's verdict, in the order given; each issue path starts with its event's `pathPrefix` ("" or "<index>."). */
  judge(items: ReadonlyArray<{ event: { message_type: string; data: unknown }; pathPrefix: string }>): Promise<EventVerdict[]>;
  /** Registered types in memory, for readiness. */
  size(): number;
  stop(): Promise<void>;
}

export interface IngestCatalogOptions {
  kv: KV;
  /** The catalog part of the subscription state in memory (startCatalogView). */
  view: Pick<SubscriptionView, 'eventType' | 'size' | 'stop'>;
  names: NatsNames;
  log: Logger;
  /** How long a refusal waits for the bucket's newest value of its type before it stands. */
  freshReadTimeoutMs?: number;
}

/** Loads the registered types of the subscription state into memory (resolving once loaded) and keeps them fresh. */
export function startCatalogView(options: { kv: KV; names: NatsNames; log: Logger }): Promise<SubscriptionView> {
  return startSubscriptionView({ kv: options.kv, prefix: options.names.prefix, log: options.log, keys: options.names.kv.eventTypeKeys });
}

/**
 * Judges events against the catalog in `view`. An event refused under it (an unknown, archived or non-matching
 * registered type) is judged once more under the bucket's current value: a type registered a moment ago is already
 * there when its PUT was answered, while the watch may not have delivered it yet.
 */
export function createIngestCatalog(options: IngestCatalogOptions): IngestCatalog {
  const { kv, view, names, log } = options;
  const validators: DataValidators = createDataValidators();
  const freshReadTimeoutMs = options.freshReadTimeoutMs ?? 1_000;

  async function freshState(messageType: string): Promise<EventTypeState | undefined> {
    const read = (async () => {
      const entry = await kv.get(names.kv.eventTypeKey(messageType));
      if (entry === null || entry.operation !== 'PUT') return undefined;
      const parsed = EventTypeState.safeParse(entry.json());
      return parsed.success ? parsed.data : undefined;
    })();
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), freshReadTimeoutMs).unref());
    try {
      return await Promise.race([read, timeout]);
    } catch (error) {
      // NATS trouble: the in-memory verdict stands.
      log.debug({ err: error, message_type: messageType }, 'could not re-read an event type from the bucket');
      return undefined;
    }
  }

  return {
    async judge(items) {
      const fresh = new Map<string, Promise<EventTypeState | undefined>>();
      return Promise.all(
        items.map(async ({ event, pathPrefix: prefix }) => {
          const verdict = judgeEvent(event, view.eventType, validators, prefix);
          const entry = lookupEventType(event.message_type, view.eventType);
          if (!mayBeStale(verdict, entry)) return verdict;
          // One read per type per request, however many events of it the batch holds.
          let read = fresh.get(event.message_type);
          if (read === undefined) fresh.set(event.message_type, (read = freshState(event.message_type)));
          const state = await read;
          // The bucket's value decides, even when it equals the view's now: the watch may have delivered it while the
          // bucket was read, after the refusal above was made without it.
          if (state === undefined) return verdict;
          return judgeEvent(event, () => state, validators, prefix);
        }),
      );
    },
    size: () => view.size().eventTypes,
    stop: () => view.stop(),
  };
}
