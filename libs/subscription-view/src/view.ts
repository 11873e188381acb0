import { CallbackState, EventTypeState, HoldState, ProfileState, natsNames, type MessageType } from '@hookmesh/contracts';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';

export type ViewChange =
  | { kind: 'callback'; account: string; callbackId: string; state: CallbackState | null }
  | { kind: 'hold'; account: string; messageType: string; state: HoldState | null }
  | { kind: 'event_type'; messageType: string; state: EventTypeState | null }
  | { kind: 'profile'; name: string; state: ProfileState | null };

/**
 * An in-memory copy of the subscription state (callbacks, holds and the registered event types), kept fresh from the
 * KV bucket: the dispatcher holds all of it, event-ingest only the catalog.
 */
export type SubscriptionView = {
  /** Active callbacks of one account subscribed to one message type. */
  activeCallbacks(account: string, messageType: MessageType): readonly CallbackState[];
  /** Any callback (active or disabled) by id, or undefined when deleted/unknown. */
  callback(account: string, callbackId: string): CallbackState | undefined;
  /** The hold on an account's message type, when one exists and has not expired. */
  activeHold(account: string, messageType: string, now?: Date): HoldState | undefined;
  /** A registered message type (archived ones too, flagged); built-in types are not in the state. */
  eventType(messageType: string): EventTypeState | undefined;
  /** An operator's wire profile; built-in profiles are not in the state. */
  profile(name: string): ProfileState | undefined;
  /** Counts for metrics and readiness. */
  size(): { callbacks: number; holds: number; eventTypes: number; profiles: number };
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ViewChange) => void): () => void;
  /** Stops watching. */
  stop(): Promise<void>;
};

type Indexes = {
  callbacks: Map<string, CallbackState>;
  byType: Map<string, Map<string, CallbackState>>;
  holds: Map<string, HoldState>;
  eventTypes: Map<string, EventTypeState>;
  profiles: Map<string, ProfileState>;
};

const pair = (a: string, b: string) => `${a}\u0000${b}`;

function emptyIndexes(): Indexes {
  return { callbacks: new Map(), byType: new Map(), holds: new Map(), eventTypes: new Map(), profiles: new Map() };
}

function removeCallback(indexes: Indexes, account: string, callbackId: string): void {
  const key = pair(account, callbackId);
  const previous = indexes.callbacks.get(key);
  if (!previous) return;
  indexes.callbacks.delete(key);
  for (const messageType of typesOf(previous)) indexes.byType.get(pair(account, messageType))?.delete(callbackId);
}

/** The types a callback receives: its message_type, or every one of an operational callback's. */
function typesOf(state: CallbackState): readonly string[] {
  return state.message_types ?? [state.message_type];
}

function putCallback(indexes: Indexes, state: CallbackState): void {
  removeCallback(indexes, state.account, state.id);
  indexes.callbacks.set(pair(state.account, state.id), state);
  if (state.status !== 'active') return;
  for (const messageType of typesOf(state)) {
    const typeKey = pair(state.account, messageType);
    let byId = indexes.byType.get(typeKey);
    if (!byId) indexes.byType.set(typeKey, (byId = new Map()));
    byId.set(state.id, state);
  }
}

/**
 * Applies one KV entry to the indexes; returns the change, or null for keys and values that
 * are not ours (logged, never fatal: one bad value must not blind the dispatcher to the rest).
 */
export function applyEntry(indexes: Indexes, entry: Pick<KvWatchEntry, 'key' | 'operation' | 'string'>, parseKey: ReturnType<typeof natsNames>['kv']['parseKey'], log: Logger): ViewChange | null {
  const key = parseKey(entry.key);
  if (!key) return null;
  const deleted = entry.operation !== 'PUT';
  if (key.kind === 'event_type') {
    if (deleted) {
      indexes.eventTypes.delete(key.messageType);
      return { kind: 'event_type', messageType: key.messageType, state: null };
    }
    const parsed = EventTypeState.safeParse(JSON.parse(entry.string()));
    if (!parsed.success || parsed.data.message_type !== key.messageType) {
      log.error({ key: entry.key }, 'ignoring malformed event type state');
      return null;
    }
    indexes.eventTypes.set(key.messageType, parsed.data);
    return { kind: 'event_type', messageType: key.messageType, state: parsed.data };
  }
  if (key.kind === 'profile') {
    if (deleted) {
      indexes.profiles.delete(key.name);
      return { kind: 'profile', name: key.name, state: null };
    }
    const parsed = ProfileState.safeParse(JSON.parse(entry.string()));
    if (!parsed.success || parsed.data.name !== key.name) {
      log.error({ key: entry.key }, 'ignoring malformed profile state');
      return null;
    }
    indexes.profiles.set(key.name, parsed.data);
    return { kind: 'profile', name: key.name, state: parsed.data };
  }
  if (key.kind === 'callback') {
    if (deleted) {
      removeCallback(indexes, key.account, key.callbackId);
      return { kind: 'callback', account: key.account, callbackId: key.callbackId, state: null };
    }
    const parsed = CallbackState.safeParse(JSON.parse(entry.string()));
    if (!parsed.success) {
      log.error({ key: entry.key, issues: parsed.error.issues.length }, 'ignoring malformed callback state');
      return null;
    }
    putCallback(indexes, parsed.data);
    return { kind: 'callback', account: key.account, callbackId: key.callbackId, state: parsed.data };
  }
  const holdKey = pair(key.account, key.messageType);
  if (deleted) {
    indexes.holds.delete(holdKey);
    return { kind: 'hold', account: key.account, messageType: key.messageType, state: null };
  }
  const parsed = HoldState.safeParse(JSON.parse(entry.string()));
  if (!parsed.success) {
    log.error({ key: entry.key }, 'ignoring malformed hold state');
    return null;
  }
  indexes.holds.set(holdKey, parsed.data);
  return { kind: 'hold', account: key.account, messageType: key.messageType, state: parsed.data };
}

export type StartSubscriptionViewOptions = {
  kv: KV;
  /** HOOKMESH_STREAM_PREFIX, for the key format. */
  prefix: string;
  log: Logger;
  /** How long to wait for the initial state before failing start-up. */
  initialLoadTimeoutMs?: number;
  /** Which keys to hold: every key by default; `names.kv.eventTypeKeys` for a process that needs only the catalog. */
  keys?: string;
};

/** Whether the bucket holds any key matching `filter`. */
async function anyKeyMatches(kv: KV, filter: string): Promise<boolean> {
  const keys = await kv.keys(filter);
  for await (const _key of keys) {
    keys.stop();
    return true;
  }
  return false;
}

/**
 * Loads the whole current state from the KV bucket (no Postgres involved, so a cold dispatcher
 * rebuilds on its own) and keeps it fresh from the bucket's watch. Resolves once the initial
 * state is in memory. If the watch ends (server restart), it rebuilds into fresh indexes and
 * swaps them in, so readers never see a half-loaded view.
 */
export async function startSubscriptionView(options: StartSubscriptionViewOptions): Promise<SubscriptionView> {
  const { kv, log } = options;
  const { parseKey } = natsNames(options.prefix).kv;
  const listeners = new Set<(change: ViewChange) => void>();
  let live = emptyIndexes();
  let stopped = false;
  let stopCurrent: (() => void) | undefined;

  async function watchOnce(onLoaded: () => void): Promise<void> {
    const building = emptyIndexes();
    let loaded = false;
    const finishLoad = () => {
      if (loaded) return;
      loaded = true;
      live = building;
      onLoaded();
    };
    const filter = options.keys ?? '>';
    const empty = filter === '>' ? (await kv.status()).values === 0 : !(await anyKeyMatches(kv, filter));
    const watcher = await kv.watch({ key: filter });
    stopCurrent = () => watcher.stop();
    // stop() may have run while this (re)start awaited the server; it could not reach this watcher then.
    if (stopped) watcher.stop();
    // With nothing to load no entry would ever say the load is done; a key written meanwhile arrives as a change.
    if (empty) finishLoad();
    for await (const entry of watcher) {
      const change = applyEntry(building, entry, parseKey, log);
      if (loaded && change) for (const listener of listeners) listener(change);
      if (!loaded && (entry.isUpdate || entry.delta === 0)) finishLoad();
    }
  }

  await new Promise<void>((resolve, reject) => {
    let first = true;
    const timer = setTimeout(() => reject(new Error('subscription state did not load in time')), options.initialLoadTimeoutMs ?? 30_000);
    void (async () => {
      while (!stopped) {
        try {
          await watchOnce(() => {
            if (first) {
              first = false;
              clearTimeout(timer);
              resolve();
            } else {
              log.info('subscription view rebuilt');
            }
          });
        } catch (error) {
          log.warn({ err: error }, 'subscription watch failed; retrying');
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
  });

  return {
    activeCallbacks(account, messageType) {
      const byId = live.byType.get(pair(account, messageType));
      return byId ? [...byId.values()] : [];
    },
    callback(account, callbackId) {
      return live.callbacks.get(pair(account, callbackId));
    },
    activeHold(account, messageType, now = new Date()) {
      const hold = live.holds.get(pair(account, messageType));
      if (!hold) return undefined;
      if (hold.expires_at && Date.parse(hold.expires_at) <= now.getTime()) return undefined;
      return hold;
    },
    eventType(messageType) {
      return live.eventTypes.get(messageType);
    },
    profile(name) {
      return live.profiles.get(name);
    },
    size() {
      return { callbacks: live.callbacks.size, holds: live.holds.size, eventTypes: live.eventTypes.size, profiles: live.profiles.size };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      stopCurrent?.();
    },
  };
}
