// Puts the API's validation errors next to the form fields they name. Services report issue paths joined by
// dots ("0.url", "url") or as JSON Pointers ("/0/url", "/body/0/url"); a form edits one item, so the item index
// of a batch body is dropped. Issues that name no field of the form are shown above it.
import { ApiError, describeError } from '../api/problem';

export interface FormErrors<F extends string> {
  /** One message per field (the first issue the API reported for it). */
  fields: Partial<Record<F, string>>;
  /** Messages that belong to no field: the problem's detail, issues of unknown fields. */
  general: string[];
}

/** The segments of an issue path, whatever its notation, without a leading "body" or item index. */
export function pathSegments(path: string): string[] {
  const segments = (path.startsWith('/') ? path.slice(1).split('/') : path.split('.')).filter((segment) => segment !== '');
  if (segments[0] === 'body') segments.shift();
  if (segments[0] !== undefined && /^\d+$/.test(segments[0])) segments.shift();
  return segments;
}

/** Maps an error to the form's fields; anything not an API validation error becomes one general message. */
export function formErrorsFrom<F extends string>(error: unknown, fields: readonly F[]): FormErrors<F> {
  const result: FormErrors<F> = { fields: {}, general: [] };
  if (!(error instanceof ApiError) || error.problem.errors === undefined || error.problem.errors.length === 0) {
    result.general.push(describeError(error));
    return result;
  }
  for (const issue of error.problem.errors) {
    const [head] = pathSegments(issue.path);
    const field = fields.find((candidate) => candidate === head);
    if (field === undefined) {
      result.general.push(head === undefined ? issue.message : `${head}: ${issue.message}`);
    } else if (result.fields[field] === undefined) {
      result.fields[field] = issue.message;
    }
  }
  if (Object.keys(result.fields).length === 0 && result.general.length === 0) result.general.push(describeError(error));
  return result;
}
