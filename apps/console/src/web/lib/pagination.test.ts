import { describe, expect, it } from '@jest/globals';
import { flattenPages, nextPageParam } from './pagination';

describe('nextPageParam', () => {
  it('follows next_cursor until the last page', () => {
    expect(nextPageParam({ next_cursor: 'abc' })).toBe('abc');
    expect(nextPageParam({ next_cursor: null })).toBeUndefined();
  });
});

describe('flattenPages', () => {
  it('lists the rows of every page in order', () => {
    expect(flattenPages([{ next_cursor: 'c', items: [{ id: 'a' }, { id: 'b' }] }, { next_cursor: null, items: [{ id: 'c' }] }]).map((row) => row.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps a row once when a refresh moved it across a page boundary', () => {
    const pages = [
      { next_cursor: 'x', items: [{ id: 'new' }, { id: 'a' }] },
      { next_cursor: null, items: [{ id: 'a' }, { id: 'b' }] },
    ];
    expect(flattenPages(pages).map((row) => row.id)).toEqual(['new', 'a', 'b']);
  });
});
