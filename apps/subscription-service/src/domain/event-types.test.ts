import { MESSAGE_TYPES } from '@hookmesh/contracts';
import type { EventTypeRow } from '../storage/event-types.table';
import { availabilityOf, catalogListing, eventTypeResponse, eventTypeState } from './event-types';

const at = new Date('2026-12-01T10:00:00.000Z');
const row = (overrides: Partial<EventTypeRow> = {}): EventTypeRow => ({
  message_type: 'Orders.Created',
  description: 'An order was created',
  version: 3,
  schema: { type: 'object' },
  example: { id: '42' },
  thin: { object_name: 'orders', object_id: '/id' },
  ordering_key: null,
  archived_at: null,
  created_at: at,
  updated_at: at,
  ...overrides,
});

describe('event types', () => {
  it('turns a row into its KV state and its public form', () => {
    expect(eventTypeState(row())).toEqual({
      message_type: 'Orders.Created',
      description: 'An order was created',
      version: 3,
      schema: { type: 'object' },
      example: { id: '42' },
      thin: { object_name: 'orders', object_id: '/id' },
      archived: false,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
    });
    expect(eventTypeResponse(row({ archived_at: at, ordering_key: '/id' }))).toMatchObject({ builtin: false, archived: true, ordering_key: '/id' });
  });

  it('lists built-in types first, then registered ones, archived ones only for the operator', () => {
    const rows = [row(), row({ message_type: 'orders:deleted', archived_at: at })];
    const forAccounts = catalogListing(rows, { includeArchived: false }).map((entry) => entry.message_type);
    expect(forAccounts).toEqual([...MESSAGE_TYPES, 'Orders.Created']);
    const forOperators = catalogListing(rows, { includeArchived: true }).map((entry) => entry.message_type);
    expect(forOperators).toEqual([...MESSAGE_TYPES, 'Orders.Created', 'orders:deleted']);
  });

  it('says whether a type takes new callbacks', () => {
    expect(availabilityOf('orderEvent', undefined).kind).toBe('live');
    expect(availabilityOf('Orders.Created', row())).toEqual({ kind: 'live', example: { id: '42' } });
    expect(availabilityOf('Orders.Created', row({ archived_at: at }))).toEqual({ kind: 'archived' });
    expect(availabilityOf('Orders.Created', undefined)).toEqual({ kind: 'unknown' });
  });
});
