// The one place where errors become RFC 9457 application/problem+json responses.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import {
  HttpError,
  Invalid,
  NotFound,
  PayloadTooLarge,
  UnsupportedMediaType,
  internalErrorProblem,
  type ProblemIssue,
} from './errors';

/** An RFC 9457 problem document; extension members (such as `checks`) ride along. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: readonly ProblemIssue[];
  request_id?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Converts zod issues to problem issues, joining paths with dots ("0.url"; "" for the root). */
export function issuesFromZod(error: ZodError): ProblemIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => String(segment)).join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

/** Writes a problem document with the problem+json media type. */
export function sendProblem(res: Response, problem: Problem): void {
  const body: Problem = { ...problem };
  const requestId = res.locals.requestId;
  if (requestId !== undefined && body.request_id === undefined) body.request_id = requestId;
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

interface BodyParserError {
  status: number;
  type: string;
}

// body-parser (through http-errors) tags its errors with a `type` string; that is the stable thing to match on.
function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}

function fromBodyParser(err: BodyParserError): HttpError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new HttpError({
        status: 400,
        title: 'Malformed JSON',
        type: 'urn:hookmesh:problem:malformed-json',
        detail: 'The body could not be parsed as a JSON object or array.',
      });
    case 'entity.too.large':
      return new PayloadTooLarge('The request body exceeds the size limit.');
    case 'charset.unsupported':
      return new UnsupportedMediaType('Unsupported charset: send JSON encoded as UTF-8.');
    case 'encoding.unsupported':
      return new UnsupportedMediaType('Unsupported Content-Encoding: use gzip, deflate, br or none.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new HttpError({
        status: 400,
        title: 'Bad Request',
        type: 'urn:hookmesh:problem:incomplete-body',
        detail: 'The request body was incomplete.',
      });
    default:
      return undefined;
  }
}

function isCorruptEncoding(err: unknown): boolean {
  const { code, status } = (err ?? {}) as { code?: unknown; status?: unknown };
  return status === 400 && typeof code === 'string' && code.startsWith('Z_');
}

/** Maps anything thrown by a route to the HttpError it stands for, or undefined when it is a bug. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof ZodError) return new Invalid(issuesFromZod(err));
  if (isBodyParserError(err)) return fromBodyParser(err);
  // A Content-Encoding body that does not inflate: body-parser passes zlib's error (Z_DATA_ERROR ...) on untyped.
  if (isCorruptEncoding(err)) {
    return new HttpError({
      status: 400,
      title: 'Bad Request',
      type: 'urn:hookmesh:problem:malformed-encoding',
      detail: 'The body could not be decompressed with its Content-Encoding.',
    });
  }
  // The router throws a URIError tagged 400 for a path parameter with broken percent-encoding (/callbacks/%E0%A4%A):
  // the client's mistake, not a bug.
  if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
    return new HttpError({
      status: 400,
      title: 'Bad Request',
      type: 'urn:hookmesh:problem:malformed-path',
      detail: 'The path contains invalid percent-encoding.',
    });
  }
  return undefined;
}

function instanceOf(req: Request): string {
  // The path without the query string: queries may carry cursors or filters that do not identify the failure.
  return req.originalUrl.split('?')[0] ?? req.originalUrl;
}

/** Express error middleware that answers every error as problem+json and logs the unexpected ones. */
export function createProblemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const requestLog = res.locals.log ?? log;
    if (res.headersSent) {
      // Too late to send a problem; express's final handler will cut the connection.
      requestLog.error({ err }, 'error after response headers were sent');
      next(err);
      return;
    }
    const httpError = toHttpError(err);
    if (httpError === undefined) {
      requestLog.error({ err }, 'unhandled error');
      sendProblem(res, { ...internalErrorProblem, status: 500, instance: instanceOf(req) });
      return;
    }
    for (const [name, value] of Object.entries(httpError.headers)) res.setHeader(name, value);
    const problem: Problem = {
      ...httpError.extensions,
      type: httpError.type,
      title: httpError.title,
      status: httpError.status,
      instance: instanceOf(req),
    };
    if (httpError.detail !== undefined) problem.detail = httpError.detail;
    if (httpError.errors !== undefined) problem.errors = httpError.errors;
    sendProblem(res, problem);
  };
}

/** Final route: anything no route answered is a 404 problem. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFound(`No route for ${req.method} ${instanceOf(req)}.`));
};

const JSON_TYPES = ['application/json', 'application/*+json'];

/** True when the request carries a body; a Content-Length of 0 (what fetch sends for an empty POST) does not count. */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Rejects requests that carry a non-JSON body with 415, before the JSON parser would silently skip them. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && req.is(JSON_TYPES) === false) {
    next(new UnsupportedMediaType('The request body must be JSON (Content-Type: application/json).'));
    return;
  }
  next();
};

export { JSON_TYPES };
