import { describe, expect, it } from '@jest/globals';
import { deliveriesApiQuery, filtersFromSearch, isoFromLocalInput, localInputValue, searchFromFilters } from './deliveries-query';

describe('filtersFromSearch / searchFromFilters', () => {
  it('round-trips the filters through the page URL', () => {
    const filters = { status: 'failed' as const, message_type: 'orderEvent', callback_id: 'cb-1', since: '2026-06-01T10:00:00.000Z' };
    const search = searchFromFilters(filters);
    expect(search.toString()).toBe('status=failed&message_type=orderEvent&callback_id=cb-1&since=2026-06-01T10%3A00%3A00.000Z');
    expect(filtersFromSearch(search)).toEqual(filters);
  });

  it('drops an unknown status and a date that does not parse, and ignores other parameters', () => {
    expect(filtersFromSearch(new URLSearchParams('status=lost&since=yesterday&until=2026-06-01T12:00:00Z&embed=1'))).toEqual({ until: '2026-06-01T12:00:00.000Z' });
  });
});

describe('deliveriesApiQuery', () => {
  it('adds the page size and the cursor to the filters', () => {
    expect(deliveriesApiQuery({ status: 'held' }, 'c-2')).toEqual({ status: 'held', limit: 50, cursor: 'c-2' });
    expect(deliveriesApiQuery({}, undefined, 20)).toEqual({ limit: 20, cursor: undefined });
  });
});

describe('datetime-local values', () => {
  it('turns an instant into the local input value and back', () => {
    const iso = '2026-06-01T10:15:00.000Z';
    const local = localInputValue(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(isoFromLocalInput(local)).toBe(iso);
    expect(isoFromLocalInput('')).toBeUndefined();
    expect(localInputValue(undefined)).toBe('');
  });
});
