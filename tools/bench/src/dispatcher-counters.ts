// Counted work during a run, which unlike seconds does not move with the VM's speed: the dispatcher's counters off its
// /metrics (how many deliveries went out straight from the fan-out, how many were stored as tasks first) and the
// messages each stream stored (every one a store, a consume and an ack).
import { natsNames } from '@hookmesh/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The dispatcher counters a run reports, summed over their labels. */
export type DispatcherCounters = { attempts: number; tasksStored: number; parked: number; movedToWaiting: number };

const COUNTERS: Record<keyof DispatcherCounters, string> = {
  attempts: 'hookmesh_deliveries_total',
  tasksStored: 'hookmesh_fanout_tasks_published_total',
  parked: 'hookmesh_delivery_parked_total',
  movedToWaiting: 'hookmesh_delivery_moved_to_waiting_total',
};

/** Sums each counter's samples (every label set) in a Prometheus text exposition; a counter not exposed counts 0. */
export function parseDispatcherCounters(exposition: string): DispatcherCounters {
  const sums: DispatcherCounters = { attempts: 0, tasksStored: 0, parked: 0, movedToWaiting: 0 };
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    for (const [key, name] of Object.entries(COUNTERS) as Array<[keyof DispatcherCounters, string]>) {
      if (match[1] === name) sums[key] += Number(match[2]);
    }
  }
  return sums;
}

/** A service's /metrics exposition now; null when it does not answer (an external stack without its URL, say). */
export async function scrapeMetrics(serviceUrl: string): Promise<string | null> {
  try {
    const response = await fetch(`${serviceUrl}/metrics`);
    return response.status === 200 ? await response.text() : null;
  } catch {
    return null;
  }
}

/** The counters now; null when the dispatcher does not answer. */
export async function readDispatcherCounters(dispatcherUrl: string): Promise<DispatcherCounters | null> {
  const exposition = await scrapeMetrics(dispatcherUrl);
  return exposition === null ? null : parseDispatcherCounters(exposition);
}

/** What changed between two readings of the same counts (null when either is missing). */
export function countsBetween<T extends Record<string, number>>(before: T | null, after: T | null): T | null {
  if (before === null || after === null) return null;
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)])) as T;
}

/**
 * Messages stored on each stream of the pipeline so far (its last sequence: deleted and acked ones count too), and
 * how often the dispatcher's DELIVERIES and WAITING consumers handed a task out (a task turned back and offered
 * again counts each time).
 */
export type StreamStores = { events: number; deliveries: number; waiting: number; ordered: number; audit: number; deliveriesHandedOut: number; waitingHandedOut: number };

/** The streams' last sequences now; null when NATS or a stream does not answer. */
export async function readStreamStores(natsUrl: string, prefix: string): Promise<StreamStores | null> {
  const names = natsNames(prefix);
  const nc = await connect({ servers: natsUrl, timeout: 5_000 }).catch(() => null);
  if (nc === null) return null;
  try {
    const jsm = await jetstreamManager(nc);
    const lastSeq = async (stream: string) => (await jsm.streams.info(stream)).state.last_seq;
    const [events, deliveries, waiting, ordered, audit] = await Promise.all(
      [names.streams.events, names.streams.deliveries, names.streams.waiting, names.streams.ordered, names.streams.audit].map(lastSeq),
    );
    const handedOut = async (stream: string, consumer: string) => (await jsm.consumers.info(stream, consumer)).delivered.consumer_seq;
    const [deliveriesHandedOut, waitingHandedOut] = await Promise.all([
      handedOut(names.streams.deliveries, names.consumers.dispatcherDelivery),
      handedOut(names.streams.waiting, names.consumers.dispatcherWaiting),
    ]);
    return { events: events!, deliveries: deliveries!, waiting: waiting!, ordered: ordered!, audit: audit!, deliveriesHandedOut: deliveriesHandedOut!, waitingHandedOut: waitingHandedOut! };
  } catch {
    return null;
  } finally {
    await nc.close();
  }
}
