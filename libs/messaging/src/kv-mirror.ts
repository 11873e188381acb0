// A KV bucket (or a part of it) held in memory and kept fresh from its watch: reads cost a map lookup.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';

export interface KvMirror<V> {
  get(key: string): V | undefined;
  entries(): IterableIterator<[string, V]>;
  size(): number;
  /** Subscribes to changes (after the initial load); returns the unsubscribe function. */
  onChange(listener: (key: string, value: V | null) => void): () => void;
  stop(): Promise<void>;
}

export interface StartKvMirrorOptions<V> {
  kv: KV;
  /** Key filter, ">" for the whole bucket. */
  keys?: string;
  /** The value of an entry, or null for one that is not ours or does not parse (logged by the caller). */
  parse(key: string, entry: KvWatchEntry): V | null;
  log: Logger;
  initialLoadTimeoutMs?: number;
}

/**
 * Loads the bucket's current values (resolving once they are in memory) and applies every later change. When the
 * watch ends (a server restart) it watches again into a fresh map and swaps it in, so readers never see a half load.
 */
export async function startKvMirror<V>(options: StartKvMirrorOptions<V>): Promise<KvMirror<V>> {
  const { kv, log } = options;
  const filter = options.keys ?? '>';
  const listeners = new Set<(key: string, value: V | null) => void>();
  let live = new Map<string, V>();
  let stopped = false;
  let stopCurrent: (() => void) | undefined;

  async function watchOnce(onLoaded: () => void): Promise<void> {
    const building = new Map<string, V>();
    let loaded = false;
    const finishLoad = () => {
      if (loaded) return;
      loaded = true;
      live = building;
      onLoaded();
    };
    const keys = await kv.keys(filter);
    let empty = true;
    for await (const _key of keys) {
      empty = false;
      keys.stop();
    }
    const watcher = await kv.watch({ key: filter });
    stopCurrent = () => watcher.stop();
    if (stopped) watcher.stop();
    // With nothing to load no entry would say the load is done; a key written meanwhile arrives as a change.
    if (empty) finishLoad();
    for await (const entry of watcher) {
      const value = entry.operation === 'PUT' ? options.parse(entry.key, entry) : null;
      if (value === null) building.delete(entry.key);
      else building.set(entry.key, value);
      if (loaded) for (const listener of listeners) listener(entry.key, value);
      if (!loaded && (entry.isUpdate || entry.delta === 0)) finishLoad();
    }
  }

  await new Promise<void>((resolve, reject) => {
    let first = true;
    const timer = setTimeout(() => reject(new Error(`KV ${filter} did not load in time`)), options.initialLoadTimeoutMs ?? 30_000);
    void (async () => {
      while (!stopped) {
        try {
          await watchOnce(() => {
            if (!first) return;
            first = false;
            clearTimeout(timer);
            resolve();
          });
        } catch (error) {
          log.warn({ err: error }, 'KV watch failed; retrying');
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
  });

  return {
    get: (key) => live.get(key),
    entries: () => live.entries(),
    size: () => live.size,
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
