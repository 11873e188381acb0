// subscription-service's own Prometheus metrics (the HTTP RED metrics come from @hookmesh/http).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ServiceMetrics {
  /** Callback and hold changes committed to Postgres, by change. */
  changes: Counter<'change'>;
  /** Writes to the KV bucket, by operation (put/delete) and outcome (ok/failed). */
  kvWrites: Counter<'operation' | 'outcome'>;
  /** Outbox rows still waiting to reach the KV bucket after the last publisher run. */
  outboxPending: Gauge;
  /** CONTROL commands handled, by command and outcome. */
  controlCommands: Counter<'command' | 'outcome'>;
  /** Test events published to EVENTS, by outcome. */
  testEvents: Counter<'outcome'>;
  /** Creates refused because the account would pass a callback limit, by limit. */
  limitRefusals: Counter<'limit'>;
}

/** Registers the service metrics in `registry`. */
export function createServiceMetrics(registry: Registry): ServiceMetrics {
  return {
    changes: new Counter({
      name: 'hookmesh_subscription_changes_total',
      help: 'Callback and hold changes committed to Postgres, by change.',
      labelNames: ['change'],
      registers: [registry],
    }),
    kvWrites: new Counter({
      name: 'hookmesh_subscription_kv_writes_total',
      help: 'Writes of subscription state to the JetStream KV bucket, by operation and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'hookmesh_subscription_kv_outbox_pending',
      help: 'State changes committed to Postgres that have not reached the KV bucket yet (after the last publisher run).',
      registers: [registry],
    }),
    controlCommands: new Counter({
      name: 'hookmesh_subscription_control_commands_total',
      help: 'Commands consumed from the CONTROL stream, by command and outcome.',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    }),
    testEvents: new Counter({
      name: 'hookmesh_subscription_test_events_total',
      help: 'Example events published to EVENTS by POST /callbacks/{id}/test, by outcome.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    limitRefusals: new Counter({
      name: 'hookmesh_subscription_limit_refusals_total',
      help: 'Callback creates refused with 409 because the account would pass a callback limit, by limit.',
      labelNames: ['limit'],
      registers: [registry],
    }),
  };
}
