// What Linux's /proc says about a process: for benchmarks that count a process's CPU and system calls.

import { readFileSync, readdirSync } from 'node:fs';

/** Pids whose /proc/<pid>/comm is `name` (other users' processes included when /proc lets us read them). */
export function pidsNamed(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds (user + system) a process has used so far; undefined when unreadable. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the name; Linux counts 100 ticks a second.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Read and write system calls a process has made so far (/proc/<pid>/io); undefined when unreadable. */
export function syscalls(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
  } catch {
    return undefined;
  }
}

/** The sum of `measure` over every process named `name` (0 when there is none). */
export function sumOverProcessesNamed(name: string, measure: (pid: number) => number | undefined): number {
  return pidsNamed(name).reduce((sum, pid) => sum + (measure(pid) ?? 0), 0);
}
