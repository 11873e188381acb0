// Before/after snapshots of everything a request could change: read through the public APIs and JetStream itself.
import { natsNames } from '@hookmesh/contracts';
import { jetstreamManager, type JetStreamManager } from '@hookmesh/messaging';
import { call, testNatsUrl, waitFor, type Platform } from '@hookmesh/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export type Snapshot = {
  /** Message count of each of the platform's streams (EVENTS, DELIVERIES, AUDIT, CONTROL, the KV bucket). */
  streams: Record<string, number>;
  /** Per account: its callbacks, holds and deliveries as the public APIs list them. */
  accounts: Record<string, { callbacks: unknown[]; holds: unknown[]; deliveries: unknown[] }>;
};

export type StateReader = {
  snapshot(accounts: readonly string[]): Promise<Snapshot>;
  /** Waits until two snapshots in a row agree (deliveries and KV publishing have settled), and returns it. */
  settled(accounts: readonly string[]): Promise<Snapshot>;
  close(): Promise<void>;
};

function byId(items: unknown[]): unknown[] {
  const key = (item: unknown) => String((item as { id?: unknown; message_type?: unknown }).id ?? (item as { message_type?: unknown }).message_type);
  return [...items].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * A callback as far as requests can change it: `health`, `health_detail` and `rate_limited` report how its
 * endpoint is doing (the dispatchers' circuits and throttles, followed with a lag), which no request sets.
 */
function configurationOf(callback: unknown): unknown {
  const { health: _health, health_detail: _detail, rate_limited: _limited, ...configuration } = callback as Record<string, unknown>;
  return configuration;
}

async function allDeliveries(platform: Platform, account: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${cursor}`;
    const page = await call<{ deliveries: unknown[]; next_cursor: string | null }>(platform, 'audit', account, 'GET', `/deliveries?limit=200${query}`);
    if (page.status !== 200) throw new Error(`GET /deliveries for ${account}: ${page.status}`);
    rows.push(...page.body.deliveries);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return byId(rows);
}

async function streamCounts(jsm: JetStreamManager, prefix: string): Promise<Record<string, number>> {
  const names = natsNames(prefix);
  const streams = [...Object.values(names.streams), `KV_${names.kv.bucket}`];
  const counts: Record<string, number> = {};
  for (const stream of streams) counts[stream] = (await jsm.streams.info(stream)).state.messages;
  return counts;
}

/** Opens a NATS connection of its own (the platform's prefix) and reads state through the platform's public APIs. */
export async function openStateReader(platform: Platform): Promise<StateReader> {
  const nc: NatsConnection = await connect({ servers: await testNatsUrl(), name: 'security-state-reader' });
  const jsm = await jetstreamManager(nc);

  async function snapshot(accounts: readonly string[]): Promise<Snapshot> {
    const result: Snapshot = { streams: await streamCounts(jsm, platform.prefix), accounts: {} };
    for (const account of accounts) {
      const callbacks = await call<{ callbacks: unknown[] }>(platform, 'subscription-service', account, 'GET', '/callbacks?message_type=all');
      const holds = await call<{ holds: unknown[] }>(platform, 'subscription-service', account, 'GET', '/callback_holds');
      if (callbacks.status !== 200 || holds.status !== 200) throw new Error(`snapshot of ${account}: ${callbacks.status}/${holds.status}`);
      result.accounts[account] = { callbacks: byId(callbacks.body.callbacks.map(configurationOf)), holds: byId(holds.body.holds), deliveries: await allDeliveries(platform, account) };
    }
    return result;
  }

  return {
    snapshot,
    async settled(accounts) {
      let previous = JSON.stringify(await snapshot(accounts));
      return waitFor(
        async () => {
          const current = await snapshot(accounts);
          const text = JSON.stringify(current);
          const stable = text === previous;
          previous = text;
          return stable ? current : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 300, label: 'platform state settles' },
      );
    },
    close: () => nc.drain(),
  };
}
