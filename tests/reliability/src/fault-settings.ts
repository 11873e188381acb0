// Settings every fault suite shares: a millisecond retry schedule, a 2 s delivery timeout and short
// ack_waits, so a crashed process's work comes back in seconds instead of the production 30-60 s.
import type { AuditBooks } from './audit-books';
import type { LedgerReport } from './ledger';

export const FAST_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  HOOKMESH_RETRY_SCHEDULE: '0,200ms,500ms,1s',
  HOOKMESH_DELIVERY_TIMEOUT: '2s',
  // Delivery ack_wait = 2 s + 2 s: well past the attempt, short enough that a killed dispatcher's tasks return quickly.
  HOOKMESH_ACK_WAIT_MARGIN: '2s',
  HOOKMESH_AUDIT_ACK_WAIT: '3s',
  HOOKMESH_AUDIT_RETRY_DELAY: '250ms',
  HOOKMESH_AUDIT_BATCH: '100',
  HOOKMESH_CIRCUIT_COOLDOWN: '500ms',
};

/** Prints the one-line summary of a fault (what docs/reliability.md records). */
export function summarise(fault: string, report: LedgerReport, books: AuditBooks | undefined, startedAt: number, extra: Record<string, number | string> = {}): void {
  const parts = [
    `accepted=${report.accepted}`,
    `expected=${report.expected}`,
    `delivered=${report.delivered}`,
    `lost=${report.lost.length}`,
    `duplicates=${report.duplicates}`,
    `unexpected=${report.unexpected.length}`,
    `requests=${report.requests}`,
    `attempts-seen=${report.attempts}`,
    ...(books ? [`audit-deliveries=${books.deliveries}`, `audit-attempts=${books.attempts}`] : []),
    ...Object.entries(extra).map(([key, value]) => `${key}=${value}`),
    `duration=${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
  ];
  console.log(`fault ${fault}: ${parts.join(' ')}`);
}
