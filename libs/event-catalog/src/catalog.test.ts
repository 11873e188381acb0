import { describe, expect, it } from '@jest/globals';
import { eventTypes, type EventTypeState } from '@hookmesh/contracts';
import { createDataValidators, isLive, lookupEventType, mappingOf } from './catalog';

function registered(version: number, schema: Record<string, unknown>, archived = false): EventTypeState {
  return {
    message_type: 'Orders.Created',
    description: 'ModusLink order created',
    version,
    schema,
    example: { id: 'o-1' },
    thin: { object_name: 'orders', object_id: '/id' },
    archived,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
  };
}

describe('the in-process catalog', () => {
  it('finds built-in types first, so a registered state cannot shadow one', () => {
    const shadow = { ...registered(1, {}), message_type: 'orderEvent' };
    const entry = lookupEventType('orderEvent', () => shadow);
    expect(entry).toEqual({ builtin: true, name: 'orderEvent' });
    expect(mappingOf(entry!)).toEqual(eventTypes.orderEvent.mapping);
  });

  it('finds registered types in the state and tells archived ones apart', () => {
    const live = lookupEventType('Orders.Created', () => registered(1, {}))!;
    expect(isLive(live)).toBe(true);
    expect(mappingOf(live)).toEqual({ thin: { object_name: 'orders', object_id: '/id' } });
    expect(isLive(lookupEventType('Orders.Created', () => registered(1, {}, true))!)).toBe(false);
    expect(lookupEventType('Rmas.Created', () => undefined)).toBeUndefined();
  });

  it('validates built-in data with zod and registered data with its JSON Schema, with zod-like paths', () => {
    const validators = createDataValidators();
    const builtin = validators.validate({ builtin: true, name: 'snapshotReady' }, [], 'data');
    expect(builtin[0]).toMatchObject({ path: 'data', code: 'invalid_type' });
    const entry = lookupEventType('Orders.Created', () => registered(1, { type: 'object', required: ['id'] }))!;
    expect(validators.validate(entry, {}, '2.data')).toEqual([{ path: '2.data.id', code: 'required', message: 'id is required' }]);
  });

  it('compiles a registered schema once per version and switches to the next version when it arrives', () => {
    const validators = createDataValidators();
    let state = registered(1, { type: 'object', required: ['id'] });
    const entry = () => lookupEventType('Orders.Created', () => state)!;
    expect(validators.validate(entry(), { id: 'x' }, 'data')).toEqual([]);
    // Mutating the stored schema of version 1 changes nothing: version 1 is compiled already.
    (state.schema as Record<string, unknown>)['required'] = ['missing'];
    expect(validators.validate(entry(), { id: 'x' }, 'data')).toEqual([]);
    state = registered(2, { type: 'object', required: ['id', 'total'] });
    expect(validators.validate(entry(), { id: 'x' }, 'data')).toEqual([{ path: 'data.total', code: 'required', message: 'total is required' }]);
  });
});
