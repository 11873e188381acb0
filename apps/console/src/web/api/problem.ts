// Errors of the API as the page sees them: the service's problem+json (RFC 9457), or what stood in for one.
export interface ProblemIssue {
  path: string;
  message: string;
  code?: string;
}

export interface ProblemBody {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: readonly ProblemIssue[];
}

/** A call the API (or the console server in front of it) refused or could not answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemBody;

  constructor(problem: ProblemBody) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

function isProblem(value: unknown): value is ProblemBody {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record['title'] === 'string' && typeof record['status'] === 'number';
}

/** Builds the ApiError of a non-2xx answer from its body (problem+json, else a generic problem named by the status). */
export function problemFromAnswer(status: number, statusText: string, body: unknown): ApiError {
  if (isProblem(body)) {
    const errors = Array.isArray(body.errors)
      ? body.errors.filter((issue): issue is ProblemIssue => typeof issue?.path === 'string' && typeof issue?.message === 'string')
      : undefined;
    return new ApiError({ ...body, status, ...(errors === undefined ? {} : { errors }) });
  }
  return new ApiError({ title: statusText || `HTTP ${status}`, status, detail: `The server answered ${status}${statusText ? ` ${statusText}` : ''}.` });
}

/** What to tell the user about an error, in one sentence. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.problem.detail ?? 'The console server cannot be reached.';
    if (error.status === 403) return `Your token may not do this: ${error.problem.detail ?? error.problem.title}`;
    return error.problem.detail ?? error.problem.title;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whether trying the same call again may succeed: rate limits, outages and network trouble, never a refusal. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504);
}
