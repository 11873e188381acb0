import { describe, expect, it } from '@jest/globals';
import { hasUnpairedSurrogate, unstorableTextPaths, type UnstorableTextProblem } from './unstorable-text';

const pathsOf = (problem: UnstorableTextProblem) => (value: unknown, limit?: number) =>
  unstorableTextPaths(value, limit).filter((found) => found.problem === problem).map((found) => found.path);
const nulCharacterPaths = pathsOf('nul_character');
const unpairedSurrogatePaths = pathsOf('unpaired_surrogate');

describe('unstorableTextPaths: NUL characters', () => {
  it('names every string and key holding a NUL, in document order', () => {
    const value = { a: 'ok', b: ['x', 'y\u0000'], 'c\u0000': { d: 'z\u0000' }, e: 1, f: null, g: true };
    expect(nulCharacterPaths(value)).toEqual([['b', 1], ['c\u0000'], ['c\u0000', 'd']]);
  });

  it('finds nothing in clean data, in other control characters, or in the escaped text \\u0000', () => {
    expect(nulCharacterPaths([{ a: 'tab\there \u0001 \\u0000' }, 'plain', 3])).toEqual([]);
  });

  it('names a NUL in a top-level string with the empty path', () => {
    expect(nulCharacterPaths('\u0000')).toEqual([[]]);
  });

  it('stops at the limit', () => {
    expect(nulCharacterPaths(Array.from({ length: 50 }, () => '\u0000'), 5)).toHaveLength(5);
  });

  it('walks a value nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(nulCharacterPaths(deep)[0]).toHaveLength(100_000);
  });
});

describe('unstorableTextPaths: unpaired surrogates', () => {
  it('finds a high or low surrogate without its partner, in strings and keys, and passes whole pairs', () => {
    expect(unpairedSurrogatePaths({ pair: '\u{1F600}', high: '\ud83d', low: ['\ude00x'], ['k\ud800']: 'v', reversed: '\ude00\ud83d' })).toEqual([['high'], ['low', 0], ['k\ud800'], ['reversed']]);
    expect(hasUnpairedSurrogate('plain text and \u{10FFFF}')).toBe(false);
  });
});

describe('unstorableTextPaths', () => {
  it('names both problems of one string, in one walk, in document order', () => {
    expect(unstorableTextPaths({ a: 'x\u0000\ud800', b: 'fine', c: '\u0000' })).toEqual([
      { path: ['a'], problem: 'nul_character' },
      { path: ['a'], problem: 'unpaired_surrogate' },
      { path: ['c'], problem: 'nul_character' },
    ]);
  });
});
