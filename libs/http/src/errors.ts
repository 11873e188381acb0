// Typed HTTP errors: routes throw these, problem.ts turns them into RFC 9457 responses.

/** One validation problem, shaped like a zod issue with its path joined by dots ("0.url"). */
export interface ProblemIssue {
  path: string;
  message: string;
  code: string;
}

/** Problem type URIs are URNs: stable identifiers that do not pretend to be a dereferenceable site. */
const problemType = (slug: string): string => `urn:hookmesh:problem:${slug}`;

interface HttpErrorInit {
  status: number;
  title: string;
  type: string;
  detail?: string;
  errors?: readonly ProblemIssue[];
  headers?: Readonly<Record<string, string>>;
  /** Extension members of the problem document (RFC 9457 §3.2), e.g. `limit`. */
  extensions?: Readonly<Record<string, unknown>>;
}

/** Base of every error that maps to a specific HTTP status; `detail` is the message shown to the client. */
export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly detail: string | undefined;
  readonly errors: readonly ProblemIssue[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(init: HttpErrorInit) {
    super(init.detail ?? init.title);
    this.name = new.target.name;
    this.status = init.status;
    this.title = init.title;
    this.type = init.type;
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers ?? {};
    this.extensions = init.extensions ?? {};
  }
}

/** 404: the addressed resource does not exist (or is not visible to this account). */
export class NotFound extends HttpError {
  constructor(detail?: string) {
    super({ status: 404, title: 'Not Found', type: problemType('not-found'), detail });
  }
}

/** 409: the request conflicts with the current state of the resource; `errors` may name the conflicting fields. */
export class Conflict extends HttpError {
  constructor(detail?: string, issues?: readonly ProblemIssue[]) {
    super({ status: 409, title: 'Conflict', type: problemType('conflict'), detail, ...(issues === undefined ? {} : { errors: issues }) });
  }
}

/** 405: the path exists, the method does not; `Allow` lists the methods it takes. */
export class MethodNotAllowed extends HttpError {
  constructor(allowed: readonly string[]) {
    super({
      status: 405,
      title: 'Method Not Allowed',
      type: problemType('method-not-allowed'),
      detail: `This path takes ${allowed.join(', ')}.`,
      headers: { Allow: allowed.join(', ') },
    });
  }
}

/** What a LimitExceeded problem reports in its `limit` member. */
export interface ExceededLimit {
  /** Which limit, e.g. "callbacks_per_account". */
  name: string;
  max: number;
  /** How many exist now. */
  current: number;
  /** How many the request would add. */
  requested: number;
  [scope: string]: string | number;
}

/**
 * 409: the request is valid but would take the account past a configured limit; the same request succeeds once the
 * account is below it again, so it conflicts with the current state rather than being invalid.
 */
export class LimitExceeded extends HttpError {
  constructor(limit: ExceededLimit, detail: string) {
    super({ status: 409, title: 'Limit Exceeded', type: problemType('limit-exceeded'), detail, extensions: { limit } });
  }
}

/** 400: the input failed validation; `errors` lists every issue so clients can fix them all at once. */
export class Invalid extends HttpError {
  constructor(issues: readonly ProblemIssue[], detail = 'The request is invalid; see errors for each problem.') {
    super({ status: 400, title: 'Bad Request', type: problemType('invalid'), detail, errors: issues });
  }
}

/** 401: no usable credentials. Carries the RFC 6750 challenge so clients know a bearer token is expected. */
export class Unauthorized extends HttpError {
  constructor(detail?: string, options: { invalidToken?: boolean } = {}) {
    // RFC 6750 §3.1: a request without any token gets the bare challenge, a bad token gets error="invalid_token".
    const challenge = options.invalidToken
      ? `Bearer realm="hookmesh", error="invalid_token"`
      : `Bearer realm="hookmesh"`;
    super({
      status: 401,
      title: 'Unauthorized',
      type: problemType('unauthorized'),
      detail,
      headers: { 'WWW-Authenticate': challenge },
    });
  }
}

/** 403: authenticated, but not allowed to do this (wrong account or missing scope). */
export class Forbidden extends HttpError {
  constructor(detail?: string, options: { missingScope?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.missingScope !== undefined) {
      // RFC 6750 §3.1 insufficient_scope tells OAuth-aware clients which scope to request.
      headers['WWW-Authenticate'] = `Bearer realm="hookmesh", error="insufficient_scope", scope="${options.missingScope}"`;
    }
    super({ status: 403, title: 'Forbidden', type: problemType('forbidden'), detail, headers });
  }
}

/** 413: the request body exceeds the configured limit. */
export class PayloadTooLarge extends HttpError {
  constructor(detail?: string) {
    super({ status: 413, title: 'Payload Too Large', type: problemType('payload-too-large'), detail });
  }
}

/** 415: the body is not JSON, or uses a charset or content encoding the server cannot read. */
export class UnsupportedMediaType extends HttpError {
  constructor(detail?: string) {
    super({ status: 415, title: 'Unsupported Media Type', type: problemType('unsupported-media-type'), detail });
  }
}

/** Retry-After must be a positive whole number of seconds; clients treat 0 as "hammer again now". */
const retryAfterHeader = (seconds: number): Record<string, string> => ({
  'Retry-After': String(Math.max(1, Math.ceil(seconds))),
});

/** 429: the caller exceeded its rate limit; retry after `retryAfterSeconds`. */
export class TooManyRequests extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, detail?: string) {
    super({
      status: 429,
      title: 'Too Many Requests',
      type: problemType('too-many-requests'),
      detail,
      headers: retryAfterHeader(retryAfterSeconds),
    });
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** 503: a dependency cannot serve the request right now; retry after `retryAfterSeconds`. */
export class Unavailable extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, detail?: string) {
    super({
      status: 503,
      title: 'Service Unavailable',
      type: problemType('unavailable'),
      detail,
      headers: retryAfterHeader(retryAfterSeconds),
    });
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** 500 body used for anything unexpected: it names nothing about the failure on purpose. */
export const internalErrorProblem = {
  type: problemType('internal'),
  title: 'Internal Server Error',
  detail: 'An unexpected error occurred; it has been logged. Quote the request id when reporting it.',
} as const;
