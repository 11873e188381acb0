import { describe, expect, it } from '@jest/globals';
import { compileDataSchema, MAX_ISSUES } from './data-schema';

const order = {
  type: 'object',
  required: ['order_id', 'status'],
  properties: {
    order_id: { type: 'string', minLength: 1 },
    status: { enum: ['created', 'shipped'] },
    placed_at: { type: 'string', format: 'date-time' },
    lines: { type: 'array', items: { $ref: '#/$defs/line' } },
  },
  additionalProperties: false,
  $defs: { line: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
};

function compiled(schema: unknown) {
  const result = compileDataSchema(schema);
  if (!result.ok) throw new Error(`expected a compiled schema, got ${JSON.stringify(result.issues)}`);
  return result.validate;
}

describe('compileDataSchema', () => {
  it('compiles a draft 2020-12 schema with local references and formats', () => {
    const validate = compiled({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...order });
    expect(validate({ order_id: 'o-1', status: 'created', placed_at: '2026-01-02T03:04:05Z', lines: [{ sku: 'x' }] })).toEqual([]);
  });

  it('reports every issue, at the field, under the prefix', () => {
    const validate = compiled(order);
    const issues = validate({ status: 'lost', placed_at: 'yesterday', extra: 1, lines: [{}] }, '0.data');
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '0.data.order_id', code: 'required', message: 'order_id is required' },
        expect.objectContaining({ path: '0.data.status', code: 'enum' }),
        expect.objectContaining({ path: '0.data.placed_at', code: 'format' }),
        { path: '0.data.extra', code: 'additional_property', message: 'extra is not allowed here' },
        { path: '0.data.lines.0.sku', code: 'required', message: 'sku is required' },
      ]),
    );
  });

  it('bounds the issues of a very wrong value', () => {
    const validate = compiled({ type: 'array', items: { type: 'string' } });
    expect(validate(Array.from({ length: 1_000 }, () => 1))).toHaveLength(MAX_ISSUES);
  });

  it.each([
    ['a direct self reference', { type: 'object', properties: { child: { $ref: '#' } } }],
    ['a cycle through $defs', { $ref: '#/$defs/node', $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } } }],
    ['a cycle of two definitions', { $ref: '#/$defs/a', $defs: { a: { properties: { b: { $ref: '#/$defs/b' } } }, b: { items: { $ref: '#/$defs/a' } } } }],
    ['a cycle through an anchor', { $ref: '#tree', $defs: { t: { $anchor: 'tree', properties: { kids: { items: { $ref: '#tree' } } } } } }],
  ])('refuses %s as recursive', (_name, schema) => {
    const result = compileDataSchema(schema);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.code).toBe('recursive_schema');
  });

  it('accepts an unused recursive definition, which nothing evaluates, and a definition used twice', () => {
    expect(compileDataSchema({ type: 'object', $defs: { loop: { properties: { x: { $ref: '#' } } } } }).ok).toBe(true);
    expect(compileDataSchema({ properties: { a: { $ref: '#/$defs/s' }, b: { $ref: '#/$defs/s' } }, $defs: { s: { type: 'string' } } }).ok).toBe(true);
  });

  it.each([
    ['a remote reference', { $ref: 'https://example.com/schema.json' }, 'unresolvable_ref'],
    ['a reference to nothing', { $ref: '#/$defs/missing' }, 'unresolvable_ref'],
    ['$dynamicRef', { $dynamicRef: '#meta' }, 'unsupported_keyword'],
    ['a nested $id', { properties: { a: { $id: 'https://x.example/a', type: 'string' } } }, 'unsupported_keyword'],
    ['an unknown keyword (a typo)', { type: 'object', requried: ['a'] }, 'invalid_schema'],
    ['an unknown format', { type: 'string', format: 'colour' }, 'invalid_schema'],
    ['a keyword of the wrong type', { type: 'object', required: 'a' }, 'invalid_schema'],
    ['another dialect', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }, 'unsupported_dialect'],
    ['a schema that is not an object', ['type', 'object'], 'invalid_type'],
  ])('refuses %s', (_name, schema, code) => {
    const result = compileDataSchema(schema);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => issue.code)).toContain(code);
  });

  it('refuses a schema whose objects nest deeper than 32 levels', () => {
    const deep = (depth: number): Record<string, unknown> => (depth === 0 ? { type: 'string' } : { type: 'object', properties: { a: deep(depth - 1) } });
    // Each level is a subschema plus its "properties" object.
    expect(compileDataSchema(deep(15)).ok).toBe(true);
    const result = compileDataSchema(deep(40));
    expect(!result.ok && result.issues).toEqual([{ path: 'schema', code: 'too_deep', message: 'schema nests objects more than 32 levels deep' }]);
  });

  it('refuses a schema over 64 kB', () => {
    const properties = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`field_${i}`, { type: 'string', description: 'x'.repeat(10) }]));
    const result = compileDataSchema({ type: 'object', properties });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]).toMatchObject({ path: 'schema', code: 'too_big' });
  });
});
