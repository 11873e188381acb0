// Turns per-group counts from storage into the GET /stats answer.
import type { CallbackStats, MessageType, MessageTypeStats, StatsResponse } from '@hookmesh/contracts';

export interface DeliveryCounts {
  delivered: number;
  failed: number;
  retrying: number;
  held: number;
  circuit_open: number;
  pending: number;
  /** Deliveries with at least one attempt, and those with more than one. */
  attempted: number;
  retried: number;
}

export interface AttemptCounts {
  attempts: number;
  p50: number | null;
  p95: number | null;
}

export interface StatsRows {
  deliveriesByType: ReadonlyArray<{ message_type: MessageType } & DeliveryCounts>;
  attemptsByType: ReadonlyArray<{ message_type: MessageType } & AttemptCounts>;
  eventsByType: ReadonlyArray<{ message_type: MessageType; events: number; duplicate_ingests: number }>;
  deliveriesByCallback: ReadonlyArray<{ callback_id: string; message_type: MessageType } & DeliveryCounts>;
  attemptsByCallback: ReadonlyArray<{ callback_id: string; message_type: MessageType } & AttemptCounts>;
}

const NO_DELIVERIES: DeliveryCounts = { delivered: 0, failed: 0, retrying: 0, held: 0, circuit_open: 0, pending: 0, attempted: 0, retried: 0 };
const NO_ATTEMPTS: AttemptCounts = { attempts: 0, p50: null, p95: null };

const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 1000) / 1000);

function counters(deliveries: DeliveryCounts, attempts: AttemptCounts) {
  return {
    delivered: deliveries.delivered,
    failed: deliveries.failed,
    retrying: deliveries.retrying,
    held: deliveries.held,
    circuit_open: deliveries.circuit_open,
    pending: deliveries.pending,
    attempts: attempts.attempts,
    p50_latency_ms: round(attempts.p50),
    p95_latency_ms: round(attempts.p95),
    // Share of attempted deliveries that needed more than one attempt; 0 rather than NaN when nothing was attempted.
    retry_rate: deliveries.attempted === 0 ? 0 : deliveries.retried / deliveries.attempted,
  };
}

/** Assembles the stats answer: one entry per message type and per (callback, type) that had any activity in the window. */
export function buildStatsResponse(window: { since: Date; until: Date }, rows: StatsRows): StatsResponse {
  const types = new Set<MessageType>([
    ...rows.deliveriesByType.map((row) => row.message_type),
    ...rows.attemptsByType.map((row) => row.message_type),
    ...rows.eventsByType.map((row) => row.message_type),
  ]);
  const by_message_type: MessageTypeStats[] = [...types].sort().map((message_type) => {
    const events = rows.eventsByType.find((row) => row.message_type === message_type);
    return {
      message_type,
      events: events?.events ?? 0,
      duplicate_ingests: events?.duplicate_ingests ?? 0,
      ...counters(
        rows.deliveriesByType.find((row) => row.message_type === message_type) ?? NO_DELIVERIES,
        rows.attemptsByType.find((row) => row.message_type === message_type) ?? NO_ATTEMPTS,
      ),
    };
  });
  const keyOf = (row: { callback_id: string; message_type: string }): string => `${row.callback_id}\u0000${row.message_type}`;
  const callbacks = new Map<string, { callback_id: string; message_type: MessageType }>();
  for (const row of [...rows.deliveriesByCallback, ...rows.attemptsByCallback]) {
    callbacks.set(keyOf(row), { callback_id: row.callback_id, message_type: row.message_type });
  }
  const by_callback: CallbackStats[] = [...callbacks.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, identity]) => ({
      ...identity,
      ...counters(
        rows.deliveriesByCallback.find((row) => keyOf(row) === key) ?? NO_DELIVERIES,
        rows.attemptsByCallback.find((row) => keyOf(row) === key) ?? NO_ATTEMPTS,
      ),
    }));
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    by_message_type,
    by_callback,
    duplicate_ingests: by_message_type.reduce((sum, row) => sum + row.duplicate_ingests, 0),
  };
}
