// Parse, don't validate: turn req.body/query/params into typed values or throw Invalid with every issue.
import type { Request } from 'express';
import { z } from 'zod';
import { Invalid } from './errors';
import { issuesFromZod } from './problem';

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Invalid(issuesFromZod(result.error), `The ${what} is invalid; see errors for each problem.`);
  }
  return result.data;
}

/** Parses the JSON body with `schema`; throws Invalid (400) listing every issue. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.body, 'request body');
}

/** Parses the query string with `schema` (values arrive as strings; use z.coerce for numbers). */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.query, 'query string');
}

/** Parses the path parameters with `schema`. */
export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.params, 'path');
}
