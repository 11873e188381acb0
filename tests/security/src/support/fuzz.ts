// fast-check arbitraries for hostile input: arbitrary JSON, near-misses of a valid body, hostile strings and queries.
import fc from 'fast-check';
import { parse as parseQueryString, type ParsedUrlQuery } from 'node:querystring';

/** Strings that break naive SQL, header, path and log handling. */
export const HOSTILE_STRINGS = [
  "'; drop table x;--",
  '" OR 1=1 --',
  "1' UNION SELECT secret FROM callbacks --",
  'a\r\nX-Injected: 1',
  'a\nX-Injected: 1',
  '\u0000',
  'nul\u0000inside',
  '\u202egnp.exe',
  '\ud800',
  '💥🔥',
  'ｏｒｄｅｒＥｖｅｎｔ',
  '../../etc/passwd',
  '%00%0d%0a',
  '${jndi:ldap://127.0.0.1/a}',
  '<script>alert(1)</script>',
  '__proto__',
  'x'.repeat(10_000),
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PathStep = string | number;

function pathsOf(value: Json, prefix: PathStep[] = []): PathStep[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  return here;
}

type Mutation = 'remove' | 'replace' | 'hostile' | 'unknownField' | 'outOfRange' | 'wrapInArray' | 'stringify';

function mutate(base: Json, path: PathStep[], mutation: Mutation, replacement: Json, hostile: string, number: number): Json {
  const copy = structuredClone(base);
  const transform = (current: Json): Json | undefined => {
    switch (mutation) {
      case 'remove':
        return undefined;
      case 'replace':
        return replacement;
      case 'hostile':
        return typeof current === 'string' ? `${current}${hostile}` : hostile;
      case 'unknownField':
        return current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...current, [hostile.slice(0, 40) || 'extra']: replacement } : current;
      case 'outOfRange':
        return number;
      case 'wrapInArray':
        return [current];
      case 'stringify':
        return JSON.stringify(current);
    }
  };
  if (path.length === 0) return transform(copy) ?? null;
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step] as Json;
  const last = path[path.length - 1]!;
  const container = parent as Record<string | number, Json>;
  const next = transform(container[last] as Json);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete container[last];
  } else {
    container[last] = next;
  }
  return copy;
}

/** Numbers just outside what the contracts accept: negative, fractional, huge, beyond safe integers. */
const OUT_OF_RANGE = fc.constantFrom(-1, 0, 0.5, -0, 1.5, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE);

/** One mutation of a valid body: a field removed, replaced, made hostile, an unknown field, a number out of range. */
export function nearMiss(valid: unknown): fc.Arbitrary<unknown> {
  const base = valid as Json;
  return fc
    .record({
      path: fc.constantFrom(...pathsOf(base)),
      mutation: fc.constantFrom<Mutation>('remove', 'replace', 'hostile', 'unknownField', 'outOfRange', 'wrapInArray', 'stringify'),
      replacement: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
      hostile: fc.constantFrom(...HOSTILE_STRINGS),
      number: OUT_OF_RANGE,
    })
    .map(({ path, mutation, replacement, hostile, number }) => mutate(base, path, mutation, replacement, hostile, number));
}

/** Arbitrary JSON or a near-miss of `valid`, only those `isValid` refuses (so every generated body must get a 4xx). */
export function invalidBodies(valid: unknown, isValid: (value: unknown) => boolean): fc.Arbitrary<unknown> {
  return fc.oneof(fc.jsonValue({ maxDepth: 4 }), nearMiss(valid), nearMiss(valid).chain((once) => nearMiss(once))).filter((value) => !isValid(value));
}

/** encodeURIComponent that survives lone surrogates (it throws on them) by sending U+FFFD, as a browser would. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

/** Path segments that are not ids of anything: hostile strings and arbitrary unicode (never empty, "." or ".."). */
export function wrongIds(): fc.Arbitrary<string> {
  return fc
    .oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), fc.uuid())
    .filter((id) => id !== '.' && id !== '..' && id.trim() === id && id.length <= 300);
}

/** Query strings made of known and unknown keys with hostile or random values, parsed the way express 5 does. */
export function queryStrings(knownKeys: readonly string[]): fc.Arbitrary<{ text: string; parsed: ParsedUrlQuery }> {
  const key = fc.oneof(fc.constantFrom(...knownKeys), fc.constantFrom('x', '__proto__', 'limit[]', 'status[$ne]'), fc.string({ minLength: 1, maxLength: 12 }));
  const value = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom('1e999', '-1', '0x10', 'NaN', '2024-02-31T00:00:00Z', '0000-01-01T00:00:00Z'));
  return fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }).map((pairs) => {
    const text = pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&');
    return { text, parsed: parseQueryString(text) };
  });
}
