// The checks a registered type must pass before it is stored: its schema compiles, its example fits it, and every
// pointer of its mapping resolves in the example to what the mapping needs.
import { resolvePointer, type PutEventTypeRequest } from '@hookmesh/contracts';
import { compileDataSchema, type DataValidator } from './data-schema';
import type { CatalogIssue } from './issues';

export type CheckedDefinition = { ok: true; validate: DataValidator } | { ok: false; issues: CatalogIssue[] };

function isScalarId(value: unknown): boolean {
  return (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value));
}

/** Checks a PUT body that already matched PutEventTypeRequest; every issue names its field. */
export function checkEventTypeDefinition(definition: PutEventTypeRequest): CheckedDefinition {
  const compiled = compileDataSchema(definition.schema);
  if (!compiled.ok) return compiled;
  const issues: CatalogIssue[] = [...compiled.validate(definition.example, 'example')];
  const pointer = (path: string, value: string | undefined, need: (found: unknown) => boolean, what: string): void => {
    if (value === undefined) return;
    const resolved = resolvePointer(definition.example, value);
    if (!resolved.found) {
      issues.push({ path, code: 'unresolvable_pointer', message: `${JSON.stringify(value)} does not resolve in the example` });
    } else if (!need(resolved.value)) {
      issues.push({ path, code: 'invalid_type', message: `${JSON.stringify(value)} must point at ${what} in the example` });
    }
  };
  pointer('thin.object_id', definition.thin?.object_id, isScalarId, 'a non-empty string or a number');
  pointer('thin.object_reference', definition.thin?.object_reference, (value) => value === null || isScalarId(value), 'a string, a number or null');
  pointer('ordering_key', definition.ordering_key, (value) => typeof value === 'string' && value.length > 0 && value.length <= 128, 'a string of 1-128 characters');
  return issues.length === 0 ? { ok: true, validate: compiled.validate } : { ok: false, issues };
}
