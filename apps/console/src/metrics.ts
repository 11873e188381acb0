// Prometheus metrics of the console server, beside the HTTP metrics createHttpApp registers.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface ConsoleMetrics {
  forwarded: Counter<'upstream' | 'status'>;
  upstreamDuration: Histogram<'upstream'>;
}

/** Registers the console metrics in `registry`. */
export function createConsoleMetrics(registry: Registry): ConsoleMetrics {
  const registers = [registry];
  return {
    forwarded: new Counter({
      name: 'hookmesh_console_forwarded_requests_total',
      help: 'API calls forwarded to a service, by service and answered status (503/504: the service did not answer).',
      labelNames: ['upstream', 'status'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'hookmesh_console_upstream_duration_seconds',
      help: 'Time until a service answered a forwarded call with its headers.',
      labelNames: ['upstream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
