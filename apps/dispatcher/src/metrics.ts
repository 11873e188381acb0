// Prometheus metrics of fan-out and delivery, beside the HTTP metrics libs/http records.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The counters, histograms and gauges the dispatcher updates. */
export interface DispatcherMetrics {
  /** Attempts settled, by outcome (delivered, retrying, failed). */
  deliveries: Counter<'outcome'>;
  /** Duration of each HTTP attempt, by outcome. */
  attemptDuration: Histogram<'outcome'>;
  /** Retry tasks scheduled (a failed attempt with attempts left). */
  retries: Counter;
  /** Tasks moved from DELIVERIES to WAITING to wait there (held type, open circuit, not yet due, a busy callback's far turn). */
  movedToWaiting: Counter;
  /** Tasks parked on WAITING until their expected turn (fair share across accounts). */
  parked: Counter;
  /** Tasks turned away at their callback's or account's concurrency limit, by the lane they came from. */
  turnedAway: Counter<'lane'>;
  /** HTTP attempts running now. */
  inFlight: Gauge;
  /** Delivery tasks published by the fan-out (repeats after a crash included; JetStream drops those). */
  tasksPublished: Counter;
  /** Deliveries that started waiting without an attempt, by reason (hold, circuit_open). */
  held: Counter<'reason'>;
  /** Callbacks this dispatcher asked to disable, by reason (gone, failing). */
  callbacksDisabled: Counter<'reason'>;
  /** Messages given up (not JSON, breaking the contract) and kept on DEAD, by source stream and reason. */
  deadLetters: Counter<'stream' | 'reason'>;
  /** Deliveries held back at their callback's rate limit (each time one is made to wait: not an attempt). */
  rateLimited: Counter;
  /** Deliveries handed to the ordered lane by the fan-out, and those of an ordered callback that had no key (sent unordered). */
  orderedHandoffs: Counter<'outcome'>;
  /** Ordered deliveries settled in order by the ordered lane (delivered or finally failed). */
  orderedSettled: Counter;
  /** Operational events raised for the operator, by type. */
  operationalEvents: Counter<'type'>;
}

/** Registers the dispatcher's metrics; `lag` is read on every scrape, so the gauges are as fresh as the scrape. */
export function createDispatcherMetrics(
  registry: Registry,
  lag: () => Promise<Array<{ consumer: string; pending: number; ackPending: number }>>,
  viewSize: () => { callbacks: number; holds: number },
  circuits: () => { failing: number; open: number },
): DispatcherMetrics {
  // Both lag gauges come from one consumer-info call per consumer, shared by the two collects of a scrape.
  let recent: { at: number; results: Promise<Array<{ consumer: string; pending: number; ackPending: number }>> } | undefined;
  const readLag = () => {
    if (recent === undefined || Date.now() - recent.at > 1_000) recent = { at: Date.now(), results: lag().catch(() => []) };
    return recent.results;
  };
  new Gauge({
    name: 'hookmesh_consumer_pending_messages',
    help: 'Messages of the stream not yet delivered to the consumer, by consumer.',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const result of await readLag()) this.set({ consumer: result.consumer }, result.pending);
    },
  });
  new Gauge({
    name: 'hookmesh_consumer_ack_pending_messages',
    help: 'Messages delivered to the consumer and not yet acknowledged (waiting retries and holds included), by consumer.',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const result of await readLag()) this.set({ consumer: result.consumer }, result.ackPending);
    },
  });
  new Gauge({
    name: 'hookmesh_subscription_view_entries',
    help: 'Callbacks and holds in the in-memory subscription view, by kind.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const size = viewSize();
      this.set({ kind: 'callback' }, size.callbacks);
      this.set({ kind: 'hold' }, size.holds);
    },
  });
  new Gauge({
    name: 'hookmesh_callbacks_failing',
    help: 'Callbacks whose attempts are failing (shared across replicas), and of those with an open circuit, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = circuits();
      this.set({ state: 'failing' }, counts.failing);
      this.set({ state: 'circuit_open' }, counts.open);
    },
  });
  return {
    deadLetters: new Counter({
      name: 'hookmesh_dead_letters_total',
      help: 'Messages given up and kept on the DEAD stream (GET /admin/api/v1/dead_letters on audit), by source stream and reason.',
      labelNames: ['stream', 'reason'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'hookmesh_deliveries_total',
      help: 'Delivery attempts settled, by outcome.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'hookmesh_delivery_attempt_duration_seconds',
      help: 'Duration of HTTP delivery attempts, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    retries: new Counter({ name: 'hookmesh_delivery_retries_total', help: 'Retries scheduled after a failed attempt.', registers: [registry] }),
    parked: new Counter({ name: 'hookmesh_delivery_parked_total', help: 'Tasks whose callback was busy for longer than about one attempt, parked on WAITING until their expected turn.', registers: [registry] }),
    turnedAway: new Counter({
      name: 'hookmesh_delivery_turned_away_total',
      help: 'Tasks turned away because their callback or account was at its concurrency limit, by the lane they came from (inline: the fan-out).',
      labelNames: ['lane'],
      registers: [registry],
    }),
    movedToWaiting: new Counter({ name: 'hookmesh_delivery_moved_to_waiting_total', help: 'Tasks moved from DELIVERIES to WAITING to wait there (held type, open circuit, not yet due, a busy callback\'s far turn).', registers: [registry] }),
    inFlight: new Gauge({ name: 'hookmesh_deliveries_in_flight', help: 'HTTP delivery attempts running now.', registers: [registry] }),
    tasksPublished: new Counter({ name: 'hookmesh_fanout_tasks_published_total', help: 'Delivery tasks published by the fan-out.', registers: [registry] }),
    held: new Counter({
      name: 'hookmesh_deliveries_held_total',
      help: 'Deliveries that started waiting without an attempt, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    callbacksDisabled: new Counter({
      name: 'hookmesh_callbacks_disabled_total',
      help: 'Callbacks the dispatcher asked the subscription-service to disable, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'hookmesh_deliveries_rate_limited_total',
      help: 'Deliveries held back at their callback\'s rate limit (made to wait, not attempted).',
      registers: [registry],
    }),
    orderedHandoffs: new Counter({
      name: 'hookmesh_ordered_handoffs_total',
      help: 'Deliveries of ordered callbacks by the fan-out: ordered (handed to the ordered lane) or unordered_no_key (the event had no ordering key).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    orderedSettled: new Counter({
      name: 'hookmesh_ordered_deliveries_total',
      help: 'Ordered deliveries settled in order (delivered or finally failed); the cursor of their key moved past them.',
      registers: [registry],
    }),
    operationalEvents: new Counter({
      name: 'hookmesh_operational_events_total',
      help: 'Operational events raised for the operator, by type.',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
