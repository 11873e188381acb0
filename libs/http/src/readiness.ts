// Readiness checks with a deadline each, so one hanging dependency reports "not ready" instead of hanging the probe.
import type { Logger } from 'pino';

/** Result of one dependency check. `detail` is shown on /readyz, so keep secrets and hostnames out of it. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** One named dependency check. */
export type ReadinessCheck = () => Promise<CheckResult>;

/**
 * Either one check per dependency (preferred: each gets its own deadline and is reported by name),
 * or a single function returning every result (its deadline covers all of them, reported as "readiness").
 */
export type Readiness = Readonly<Record<string, ReadinessCheck>> | (() => Promise<Record<string, CheckResult>>);

async function withDeadline<T>(work: () => Promise<T>, timeoutMs: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runOne(name: string, check: () => Promise<CheckResult>, timeoutMs: number, log: Logger): Promise<CheckResult> {
  try {
    const result = await withDeadline(check, timeoutMs);
    if (result === 'timeout') return { ok: false, detail: `timed out after ${timeoutMs} ms` };
    return result;
  } catch (err) {
    // The error text may name hosts or credentials; log it, show only that the check failed.
    log.warn({ err, check: name }, 'readiness check threw');
    return { ok: false, detail: 'check failed; see service logs' };
  }
}

/** Runs every check concurrently, each bounded by `timeoutMs`; never rejects. */
export async function runReadinessChecks(readiness: Readiness, timeoutMs: number, log: Logger): Promise<Record<string, CheckResult>> {
  if (typeof readiness === 'function') {
    let all: Record<string, CheckResult> | undefined;
    const summary = await runOne(
      'readiness',
      async () => {
        all = await readiness();
        return { ok: true };
      },
      timeoutMs,
      log,
    );
    return all ?? { readiness: summary };
  }
  const entries = await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => [name, await runOne(name, check, timeoutMs, log)] as const),
  );
  return Object.fromEntries(entries);
}
