// Prometheus RED metrics for every HTTP request, labelled by route template (never by raw path).
import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { routeTemplateOf } from './request-context';

export const HTTP_REQUESTS_TOTAL = 'http_requests_total';
export const HTTP_REQUEST_DURATION_SECONDS = 'http_request_duration_seconds';

const LABELS = ['method', 'route', 'status'] as const;
type Label = (typeof LABELS)[number];

/** Request metrics bound to one registry, plus the handler that serves that registry. */
export interface HttpMetrics {
  requestsTotal: Counter<Label>;
  requestDuration: Histogram<Label>;
  /** Middleware that observes every request when its response is done. */
  observeRequests: RequestHandler;
  /** Handler for GET /metrics in the Prometheus text format. */
  serveMetrics: RequestHandler;
}

// A registry refuses a second metric of the same name; reuse it so two apps on one registry work.
function existing<T>(registry: Registry, name: string, kind: abstract new (...args: never[]) => T): T | undefined {
  const metric = registry.getSingleMetric(name);
  return metric instanceof kind ? metric : undefined;
}

/** Creates (or reuses) the request counter and duration histogram in `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requestsTotal =
    (existing(registry, HTTP_REQUESTS_TOTAL, Counter) as Counter<Label> | undefined) ??
    new Counter({
      name: HTTP_REQUESTS_TOTAL,
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: LABELS,
      registers: [registry],
    });
  const requestDuration =
    (existing(registry, HTTP_REQUEST_DURATION_SECONDS, Histogram) as Histogram<Label> | undefined) ??
    new Histogram({
      name: HTTP_REQUEST_DURATION_SECONDS,
      help: 'HTTP request duration in seconds, by method, route template and status.',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });

  const observeRequests: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeTemplateOf(req), status: String(res.statusCode) };
      requestsTotal.inc(labels);
      requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  const serveMetrics: RequestHandler = async (_req, res) => {
    const body = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(body);
  };

  return { requestsTotal, requestDuration, observeRequests, serveMetrics };
}
