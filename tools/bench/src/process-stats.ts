// Memory and CPU of the processes in a run, from /proc (Linux only; elsewhere every figure is null).
import { cpuSeconds, pidsNamed } from '@hookmesh/testing';
import { readFileSync } from 'node:fs';

/** Kilobyte fields of /proc/<pid>/status (VmRSS, VmHWM, RssAnon, RssShmem …); undefined when unreadable. */
export function procStatus(pid: number): Record<string, number> | undefined {
  try {
    const fields: Record<string, number> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const match = /^(\w+):\s+(\d+) kB$/.exec(line);
      if (match) fields[match[1]!] = Number(match[2]);
    }
    return fields;
  } catch {
    return undefined;
  }
}

export type MemoryReport = {
  /** Peak RSS in MB of each process this run started (VmHWM at the end: the kernel's own high-water mark). */
  processes: Record<string, number | null>;
  /**
   * Shared servers, sampled every interval during the run (their VmHWM covers their whole life, other users included):
   * nats-server's VmRSS; Postgres as the sum of every backend's private memory (RssAnon) plus the largest shared
   * mapping (RssShmem), since summing VmRSS would count shared buffers once per backend.
   */
  sampled: { 'nats-server': number | null; postgres: number | null };
};

/** Samples the shared servers every `intervalMs` until stop(); stop() also reads the peaks of `pids`. */
export function startMemorySampler(pids: () => Record<string, number | undefined>, intervalMs = 250) {
  let natsPeak: number | null = null;
  let postgresPeak: number | null = null;
  const natsPids = pidsNamed('nats-server');
  let postgresPids = pidsNamed('postgres');
  let rounds = 0;
  const sample = () => {
    // Backends come and go with connections; look again now and then.
    if (rounds++ % 20 === 0) postgresPids = pidsNamed('postgres');
    for (const pid of natsPids) {
      const status = procStatus(pid);
      if (status?.['VmRSS'] !== undefined) natsPeak = Math.max(natsPeak ?? 0, status['VmRSS']);
    }
    let anon = 0;
    let shmem = 0;
    let seen = false;
    for (const pid of postgresPids) {
      const status = procStatus(pid);
      if (status?.['RssAnon'] === undefined) continue;
      seen = true;
      anon += status['RssAnon'];
      shmem = Math.max(shmem, status['RssShmem'] ?? 0);
    }
    if (seen) postgresPeak = Math.max(postgresPeak ?? 0, anon + shmem);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const mb = (kb: number | null | undefined) => (kb === null || kb === undefined ? null : Math.round(kb / 1024));
  return {
    stop(): MemoryReport {
      clearInterval(timer);
      sample();
      const processes = Object.fromEntries(Object.entries(pids()).map(([name, pid]) => [name, pid === undefined ? null : mb(procStatus(pid)?.['VmHWM'])]));
      return { processes, sampled: { 'nats-server': mb(natsPeak), postgres: mb(postgresPeak) } };
    },
  };
}

/** CPU seconds each named process (or group of processes) used between start() and the returned stop(). */
export function startCpuMeter(groups: () => Record<string, number[]>): () => { wallSeconds: number; cpuSeconds: Record<string, number | null> } {
  const read = () => Object.fromEntries(Object.entries(groups()).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))]));
  const before = read();
  const started = performance.now();
  return () => {
    const after = read();
    const cpu: Record<string, number | null> = {};
    for (const [name, pids] of Object.entries(after)) {
      let total: number | null = null;
      for (const [pid, seconds] of pids) {
        if (seconds === undefined) continue;
        // A process that appeared during the phase (a new Postgres backend) counts from zero.
        total = (total ?? 0) + seconds - (before[name]?.get(pid) ?? 0);
      }
      cpu[name] = total === null ? null : Number(total.toFixed(2));
    }
    return { wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)), cpuSeconds: cpu };
  };
}

/**
 * Postgres processes working for one database: its backends (cmdline "postgres: <user> <database> …") plus the server's
 * own writers (WAL writer, checkpointer, background writer), which write for every database of the shared server.
 */
export function postgresPidsFor(database: string): number[] {
  return pidsNamed('postgres').filter((pid) => {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return title.includes(` ${database} `) || /walwriter|checkpointer|background writer/.test(title);
    } catch {
      return false;
    }
  });
}
