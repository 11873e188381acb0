import { describe, expect, it } from '@jest/globals';
import { checkEventTypeDefinition } from './definition';

const schema = {
  type: 'object',
  required: ['id', 'reference'],
  properties: { id: { type: 'string' }, reference: { type: ['string', 'null'] }, total: { type: 'number' } },
};
const example = { id: '42000631', reference: 'Your_ref_60', total: 10 };

describe('checkEventTypeDefinition', () => {
  it('accepts a schema, an example that fits it and pointers that resolve in it', () => {
    const result = checkEventTypeDefinition({ schema, example, thin: { object_name: 'orders', object_id: '/id', object_reference: '/reference' }, ordering_key: '/id' });
    expect(result.ok).toBe(true);
    expect(result.ok && result.validate({ id: 'x', reference: null }, 'data')).toEqual([]);
  });

  it('names the example field that does not fit the schema', () => {
    const result = checkEventTypeDefinition({ schema, example: { id: 7, reference: 'r' } });
    expect(!result.ok && result.issues).toEqual([expect.objectContaining({ path: 'example.id', code: 'type' })]);
  });

  it('names each pointer that does not resolve, or resolves to the wrong kind of value', () => {
    const result = checkEventTypeDefinition({ schema, example, thin: { object_name: 'orders', object_id: '/missing', object_reference: '/total' }, ordering_key: '/total' });
    expect(!result.ok && result.issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['thin.object_id', 'unresolvable_pointer'],
      ['ordering_key', 'invalid_type'],
    ]);
  });

  it('stops at a schema that does not compile, naming the schema', () => {
    const result = checkEventTypeDefinition({ schema: { type: 'object', properties: { a: { $ref: '#' } } }, example: {} });
    expect(!result.ok && result.issues[0]?.path).toBe('schema');
  });
});
