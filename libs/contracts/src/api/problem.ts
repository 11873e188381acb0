// RFC 9457 problem details, the body of every error answer.
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemFieldError = z.object({
  /** JSON Pointer (RFC 6901) into the request part that failed, e.g. "/0/url"; "" is the whole part. */
  path: z.string(),
  message: z.string(),
  /** The zod issue code, e.g. "invalid_type", "too_big", "custom". */
  code: z.string(),
});
export type ProblemFieldError = z.infer<typeof ProblemFieldError>;

/** The `limit` member of a `urn:hookmesh:problem:limit-exceeded` problem (409): which limit, and how far the request went. */
export const ExceededLimitMember = z.looseObject({
  /** e.g. "callbacks_per_account", "callbacks_per_message_type". */
  name: z.string(),
  max: z.number().int(),
  current: z.number().int(),
  requested: z.number().int(),
  /** Present for a per-message-type limit. */
  message_type: z.string().optional(),
});
export type ExceededLimitMember = z.infer<typeof ExceededLimitMember>;

export const Problem = z.looseObject({
  type: z.string().default('about:blank'),
  title: z.string(),
  status: z.number().int().min(100).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(ProblemFieldError).optional(),
  limit: ExceededLimitMember.optional(),
});
export type Problem = z.infer<typeof Problem>;

function escapePointerToken(token: PropertyKey): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns zod issues into problem `errors` entries with JSON Pointer paths; prefix names the request part (e.g. "/query"). */
export function problemErrorsFromIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): ProblemFieldError[] {
  return issues.map((issue) => ({
    path: prefix + issue.path.map((token) => `/${escapePointerToken(token)}`).join(''),
    message: issue.message,
    code: issue.code,
  }));
}
