// /api/{subscription,ingest,audit}/…: forwards the browser's account API calls to the three services, so the page
// talks to one origin and no service needs CORS. The bearer token passes through untouched; the console adds no
// credential of its own, so every call is authorised by the service exactly as if the browser had made it.
import { HttpError, NotFound, Unavailable } from '@hookmesh/http';
import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { isUpstream, upstreamPathFor, type Upstream } from '../domain/upstream-path';
import type { ConsoleMetrics } from '../metrics';

export interface ForwardingDeps {
  upstreams: Readonly<Record<Upstream, string>>;
  dispatcher: Dispatcher;
  metrics: ConsoleMetrics;
  /** How long to wait for the upstream's response headers. */
  timeoutMs: number;
}

const UPSTREAM_NAMES: Record<Upstream, string> = { subscription: 'subscription-service', ingest: 'event-ingest', audit: 'audit' };

// Only what the API needs crosses the console: no cookies, no hop-by-hop headers, nothing that names the browser.
const REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'accept-language'] as const;
const RESPONSE_HEADERS = ['content-type', 'content-length', 'retry-after', 'www-authenticate', 'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id'];
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

function forwardedHeaders(req: Request, res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  if (res.locals.requestId !== undefined) headers['x-request-id'] = res.locals.requestId;
  return headers;
}

function isTimeout(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError;
}

/** Routes under /api; mount before the single-page app's fallback. */
export function apiForwardingRoutes(deps: ForwardingDeps): Router {
  const router = Router();

  router.all('/api/:upstream/{*rest}', async (req, res) => {
    const upstream = req.params['upstream'] ?? '';
    if (!isUpstream(upstream)) throw new NotFound(`No API behind /api/${upstream}; the console forwards /api/subscription, /api/ingest and /api/audit.`);
    if (!METHODS.has(req.method)) throw new NotFound(`No route for ${req.method} ${req.path}.`);
    const prefix = `/api/${upstream}`;
    const target = upstreamPathFor(req.originalUrl.slice(prefix.length));
    if (target === undefined) throw new NotFound(`The console forwards only the account API (/api/${upstream}/{account}/api/v1/…).`);

    const service = UPSTREAM_NAMES[upstream];
    const abort = new AbortController();
    // The browser went away: stop waiting for the upstream too.
    res.once('close', () => abort.abort());
    const stopTimer = deps.metrics.upstreamDuration.startTimer({ upstream: service });
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(`${deps.upstreams[upstream]}${target}`, {
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardedHeaders(req, res),
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: deps.dispatcher,
        headersTimeout: deps.timeoutMs,
        bodyTimeout: deps.timeoutMs,
        signal: abort.signal,
      });
    } catch (error) {
      stopTimer();
      const status = isTimeout(error) ? 504 : 503;
      deps.metrics.forwarded.inc({ upstream: service, status: String(status) });
      if (abort.signal.aborted) return;
      if (status === 504) {
        throw new HttpError({
          status: 504,
          title: 'Gateway Timeout',
          type: 'urn:hookmesh:problem:upstream-timeout',
          detail: `${service} did not answer within ${deps.timeoutMs} ms; try again.`,
        });
      }
      throw new Unavailable(5, `${service} cannot be reached; retry after Retry-After seconds.`);
    }
    stopTimer();
    deps.metrics.forwarded.inc({ upstream: service, status: String(answer.statusCode) });
    res.status(answer.statusCode);
    for (const name of RESPONSE_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    // Account data: never kept by the browser's or any shared cache.
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(answer.body, res);
    } catch {
      // The browser left, or the upstream cut the body short: the connection already tells the browser.
      res.destroy();
    }
  });

  return router;
}
