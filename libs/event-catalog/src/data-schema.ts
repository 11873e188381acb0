// Compiles an operator's JSON Schema (draft 2020-12) of an event's `data` into a validator, refusing what would make
// validation unbounded or the validator large: schemas over 64 kB, recursive references, and references that leave
// the schema.
import { MAX_EVENT_SCHEMA_BYTES } from '@hookmesh/contracts';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { CatalogIssue } from './issues';
import { issuesFromAjv } from './issues';

/** A compiled `data` validator: the issues of one value, empty when it fits. */
export type DataValidator = (data: unknown, pathPrefix?: string) => CatalogIssue[];

export type CompiledSchema = { ok: true; validate: DataValidator } | { ok: false; issues: CatalogIssue[] };

// Keywords whose reference resolution is dynamic (decided while validating), so no static check can bound them.
const DYNAMIC_KEYWORDS = ['$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor'];
// Subschemas under these keywords are evaluated only when a $ref reaches them.
const DEFINITION_KEYWORDS = new Set(['$defs', 'definitions']);

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(step: string): string {
  return step.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Deepest nesting of JSON objects a registered schema may have (a subschema under "properties" is two): deeper ones are refused. */
export const MAX_SCHEMA_DEPTH = 32;

interface SchemaMap {
  /** Every subschema by its JSON Pointer from the root ("" is the root). */
  byPointer: Map<string, Json>;
  /** `$anchor` names to the pointer of the subschema that declares them. */
  anchors: Map<string, string>;
  problems: CatalogIssue[];
}

function mapSchema(root: Json): SchemaMap {
  const map: SchemaMap = { byPointer: new Map(), anchors: new Map(), problems: [] };
  let tooDeep = false;
  const walk = (node: Json, pointer: string, depth: number): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${pointer}/${index}`, depth));
      return;
    }
    if (!isObject(node)) return;
    if (depth > MAX_SCHEMA_DEPTH) {
      if (!tooDeep) map.problems.push({ path: 'schema', code: 'too_deep', message: `schema nests objects more than ${MAX_SCHEMA_DEPTH} levels deep` });
      tooDeep = true;
      return;
    }
    map.byPointer.set(pointer, node);
    for (const keyword of DYNAMIC_KEYWORDS) {
      if (keyword in node) map.problems.push({ path: `schema${pointer.replace(/\//g, '.')}`, code: 'unsupported_keyword', message: `${keyword} is not supported: dynamic references can recurse without bound` });
    }
    if (pointer !== '' && typeof node['$id'] === 'string') {
      map.problems.push({ path: `schema${pointer.replace(/\//g, '.')}.$id`, code: 'unsupported_keyword', message: '$id is only allowed at the root of an event schema' });
    }
    if (typeof node['$anchor'] === 'string') map.anchors.set(node['$anchor'], pointer);
    for (const [key, value] of Object.entries(node)) walk(value, `${pointer}/${escapePointer(key)}`, depth + 1);
  };
  walk(root, '', 0);
  return map;
}

/** The pointer a local `$ref` names, or a problem for one that leaves the schema. */
function refTarget(ref: string, map: SchemaMap): string | null {
  if (ref === '#') return '';
  if (ref.startsWith('#/')) return decodeURIComponent(ref.slice(1));
  if (ref.startsWith('#')) return map.anchors.get(decodeURIComponent(ref.slice(1))) ?? null;
  return null;
}

/** The `$ref`s evaluated when the subschema at `pointer` is: all of them in its subtree, but not under `$defs`. */
function refsEvaluatedFrom(node: Json, into: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) refsEvaluatedFrom(item, into);
    return;
  }
  if (!isObject(node)) return;
  if (typeof node['$ref'] === 'string') into.push(node['$ref']);
  for (const [key, value] of Object.entries(node)) {
    if (!DEFINITION_KEYWORDS.has(key)) refsEvaluatedFrom(value, into);
  }
}

/**
 * Refuses references that leave the schema and references that can reach themselves again (a schema of a tree of
 * unbounded depth): validating such a schema costs as much as the data is deep, and a compiled cycle is a stack
 * overflow waiting for its input.
 */
function referenceProblems(root: Json): CatalogIssue[] {
  const map = mapSchema(root);
  const problems = [...map.problems];
  const edges = new Map<string, string[]>();
  const targetsOf = (pointer: string): string[] => {
    const known = edges.get(pointer);
    if (known !== undefined) return known;
    const refs: string[] = [];
    refsEvaluatedFrom(map.byPointer.get(pointer), refs);
    const targets: string[] = [];
    for (const ref of refs) {
      const target = refTarget(ref, map);
      if (target === null || !map.byPointer.has(target)) {
        problems.push({ path: 'schema', code: 'unresolvable_ref', message: `$ref ${JSON.stringify(ref)} does not point inside this schema: only local references ("#/$defs/...") are allowed` });
      } else {
        targets.push(target);
      }
    }
    edges.set(pointer, targets);
    return targets;
  };
  // Depth-first from the root over "evaluating this subschema evaluates that one"; a target on the stack is a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (pointer: string): boolean => {
    state.set(pointer, 'open');
    for (const target of targetsOf(pointer)) {
      const seen = state.get(target);
      if (seen === 'open') {
        problems.push({ path: 'schema', code: 'recursive_schema', message: `the schema refers to itself (through "#${target}"): recursive schemas are not allowed` });
        return false;
      }
      if (seen === undefined && !visit(target)) return false;
    }
    state.set(pointer, 'done');
    return true;
  };
  visit('');
  return problems;
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    // Unknown keywords and formats are refused (a typo such as "requried" would otherwise check nothing), but
    // types are left as JSON Schema defines them.
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // No network: a schema's references must be inside it.
    loadSchema: undefined,
  });
  addFormats(ajv);
  return ajv;
}

/** Most issues reported for one value: enough to fix it, bounded however wrong a large value is. */
export const MAX_ISSUES = 100;

/**
 * Compiles the JSON Schema of a registered type's `data`; `ok: false` with the issues when it is too large, refers
 * outside itself or to itself, or does not compile. Each call compiles afresh: compile once per type version.
 */
export function compileDataSchema(schema: unknown): CompiledSchema {
  if (!isObject(schema)) return { ok: false, issues: [{ path: 'schema', code: 'invalid_type', message: 'schema must be a JSON Schema object' }] };
  const bytes = Buffer.byteLength(JSON.stringify(schema), 'utf8');
  if (bytes > MAX_EVENT_SCHEMA_BYTES) {
    return { ok: false, issues: [{ path: 'schema', code: 'too_big', message: `schema is ${bytes} bytes; at most ${MAX_EVENT_SCHEMA_BYTES} are allowed` }] };
  }
  const schemaDialect = schema['$schema'];
  if (schemaDialect !== undefined && schemaDialect !== 'https://json-schema.org/draft/2020-12/schema') {
    return { ok: false, issues: [{ path: 'schema.$schema', code: 'unsupported_dialect', message: 'schema must be JSON Schema draft 2020-12 ("$schema": "https://json-schema.org/draft/2020-12/schema", or no $schema)' }] };
  }
  const problems = referenceProblems(schema);
  if (problems.length > 0) return { ok: false, issues: problems };
  let compiled: ValidateFunction;
  try {
    compiled = newAjv().compile(schema);
  } catch (error) {
    return { ok: false, issues: [{ path: 'schema', code: 'invalid_schema', message: `schema does not compile: ${(error as Error).message}` }] };
  }
  return {
    ok: true,
    validate: (data, pathPrefix = '') => {
      if (compiled(data)) return [];
      return issuesFromAjv((compiled.errors ?? []) as ErrorObject[], pathPrefix).slice(0, MAX_ISSUES);
    },
  };
}
