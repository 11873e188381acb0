// Per-request plumbing: request id, a child logger, the matched route template and the access-log line.
import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/** What requireAuth learned from the bearer token. */
export interface AuthContext {
  account: string;
  subject: string;
  scopes: readonly string[];
}

/** What requireAdmin learned from an operator's bearer token (its account claim, if any, is not used). */
export interface OperatorContext {
  subject: string;
  scopes: readonly string[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express types res.locals through this global namespace
  namespace Express {
    interface Locals {
      /** Set by the request-context middleware of createHttpApp. */
      requestId?: string;
      /** Child logger carrying the request id; prefer it over the app logger inside routes. */
      log?: Logger;
      /** Set by requireAuth once the bearer token is verified. */
      auth?: AuthContext;
      /** Set by requireAdmin once an operator's bearer token is verified. */
      operator?: OperatorContext;
    }
  }
}

// Echo only ids that are safe to put in logs and headers; anything else is replaced rather than trusted.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ROUTE_TEMPLATE = Symbol('hookmesh.routeTemplate');

interface RequestWithTemplate extends Request {
  [ROUTE_TEMPLATE]?: string;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Turns the concrete part of a mount path back into its template, using the params that mount matched. */
function templatize(concrete: string, params: Readonly<Record<string, unknown>>): string {
  const unused = Object.entries(params);
  return concrete
    .split('/')
    .map((segment) => {
      if (segment === '') return segment;
      const index = unused.findIndex(([, value]) => value === decodeSegment(segment));
      if (index === -1) return segment;
      const [name] = unused.splice(index, 1)[0] ?? [''];
      return `:${name}`;
    })
    .join('/');
}

/**
 * Records the route template ("/:account/api/v1/callbacks/:id") of the route that matched.
 * Express exposes only the concrete mount path (req.baseUrl = "/acme/api/v1"), which would make
 * every account its own metric series, and it restores baseUrl when an error leaves a mounted
 * router. So we watch the router set baseUrl (when it enters a mount, req.params holds exactly
 * that mount's params) and route (when a route matches) and derive the template at those moments.
 */
function trackRouteTemplate(req: RequestWithTemplate, matched: (template: string) => void): void {
  const mounts: Array<{ url: string; template: string }> = [{ url: req.baseUrl, template: req.baseUrl }];
  const top = (): { url: string; template: string } => mounts[mounts.length - 1] ?? { url: '', template: '' };
  const within = (url: string, parent: string): boolean => url === parent || parent === '' || url.startsWith(`${parent}/`);
  let route: unknown = req.route;

  Object.defineProperty(req, 'baseUrl', {
    configurable: true,
    enumerable: true,
    get: () => top().url,
    set: (value: string) => {
      while (mounts.length > 1 && !within(value, top().url)) mounts.pop();
      const parent = top();
      if (value === parent.url) return;
      mounts.push({ url: value, template: parent.template + templatize(value.slice(parent.url.length), req.params) });
    },
  });
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path !== 'string') return;
      const template = `${top().template}${path}`;
      req[ROUTE_TEMPLATE] = template;
      matched(template);
    },
  });
}

/** The route template that answered the request ("/:account/api/v1/callbacks/:id"), or "unmatched". */
export function routeTemplateOf(req: Request): string {
  // Unmatched paths share one label so scanners cannot blow up metric cardinality.
  return (req as RequestWithTemplate)[ROUTE_TEMPLATE] ?? 'unmatched';
}

/** The id of the current request, as echoed in X-Request-Id. */
export function requestIdOf(res: Response): string {
  return res.locals.requestId ?? 'unknown';
}

/** Assigns the request id, the child logger, and logs one line when the response is done. */
export function createRequestContext(log: Logger, newId: () => string = randomUUID): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const offered = req.get('x-request-id');
    const requestId = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : newId();
    const requestLog = log.child({ req_id: requestId });
    res.locals.requestId = requestId;
    res.locals.log = requestLog;
    res.setHeader('X-Request-Id', requestId);
    // The http instrumentation names its server span after the route it finds in the request's RPC metadata when
    // the response ends ("POST /:account/api/v1/events", with http.route); without express's instrumentation,
    // this is where the route is known.
    const rpc = getRPCMetadata(context.active());
    trackRouteTemplate(req, (template) => {
      if (rpc?.type === RPCType.HTTP) rpc.route = template;
    });

    let logged = false;
    const logLine = (aborted: boolean): void => {
      if (logged) return;
      logged = true;
      // Never bodies or headers here: both can carry tokens, secrets or customer payloads.
      requestLog.info(
        {
          method: req.method,
          route: routeTemplateOf(req),
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
          ...(aborted ? { aborted: true } : {}),
        },
        'request completed',
      );
    };
    res.once('finish', () => logLine(false));
    res.once('close', () => logLine(!res.writableFinished));
    next();
  };
}
