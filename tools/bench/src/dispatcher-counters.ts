// Counted work of the dispatcher during a run, read off its /metrics: how many deliveries went out straight from the
// fan-out and how many were stored as tasks first (each stored task is a JetStream store, a consume and an ack more).
// Counts, unlike seconds, do not move with the VM's speed.

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

/** The counters now; null when the dispatcher does not answer (an external stack without its URL, say). */
export async function readDispatcherCounters(dispatcherUrl: string): Promise<DispatcherCounters | null> {
  try {
    const response = await fetch(`${dispatcherUrl}/metrics`);
    if (response.status !== 200) return null;
    return parseDispatcherCounters(await response.text());
  } catch {
    return null;
  }
}

/** What changed between two readings. */
export function countersBetween(before: DispatcherCounters | null, after: DispatcherCounters | null): DispatcherCounters | null {
  if (before === null || after === null) return null;
  return {
    attempts: after.attempts - before.attempts,
    tasksStored: after.tasksStored - before.tasksStored,
    parked: after.parked - before.parked,
    movedToWaiting: after.movedToWaiting - before.movedToWaiting,
  };
}
