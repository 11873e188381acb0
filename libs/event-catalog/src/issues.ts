// Validation issues in the shape of the problem documents' `errors` member ({path, code, message}), whichever
// validator found them: zod for the built-in types, Ajv for registered ones.
import type { ErrorObject } from 'ajv';
import type { z } from 'zod';

/** One issue: `path` is dotted ("data.0.status", "0.data.0.status" in a batch), as zod's issues are reported. */
export interface CatalogIssue {
  path: string;
  code: string;
  message: string;
}

function joinPath(prefix: string, steps: readonly string[]): string {
  return [...(prefix === '' ? [] : [prefix]), ...steps].join('.');
}

function pointerSteps(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((step) => step.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Ajv's errors as issues under `prefix`; a missing or unexpected property is reported at that property, as zod does. */
export function issuesFromAjv(errors: readonly ErrorObject[], prefix: string): CatalogIssue[] {
  return errors.map((error) => {
    const steps = pointerSteps(error.instancePath);
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      return { path: joinPath(prefix, [...steps, params.missingProperty]), code: 'required', message: `${params.missingProperty} is required` };
    }
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      return {
        path: joinPath(prefix, [...steps, params.additionalProperty]),
        code: 'additional_property',
        message: `${params.additionalProperty} is not allowed here`,
      };
    }
    return { path: joinPath(prefix, steps), code: error.keyword, message: error.message ?? `fails ${error.keyword}` };
  });
}

/** zod's issues as issues under `prefix`. */
export function issuesFromZodError(error: z.ZodError, prefix: string): CatalogIssue[] {
  return error.issues.map((issue) => ({
    path: joinPath(
      prefix,
      issue.path.map((step) => String(step)),
    ),
    code: issue.code,
    message: issue.message,
  }));
}
