// The pipeline's rule for text Postgres cannot store, in event data: refused at ingest. Postgres jsonb, where audit logs
// every event, cannot hold NUL (U+0000) or an unpaired UTF-16 surrogate in a string or a key, so an event holding
// one would be delivered but never audited.

export const NUL_CHARACTER_MESSAGE = 'must not contain a NUL character (\\u0000): the event log cannot store it; remove it or send it escaped as text';

export const UNPAIRED_SURROGATE_MESSAGE =
  'must be well-formed Unicode: an unpaired surrogate (such as a lone \\ud800) cannot be stored as text in the event log; send the character it was meant to be, or the escape as text';

// A path as a chain to its parent, so walking a deep value does not copy a growing array at every level.
type PathNode = { key: string | number; parent: PathNode | undefined } | undefined;

function pathOf(node: PathNode): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at = node; at !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** Matches a UTF-16 surrogate without its partner: no Unicode character, and Postgres' JSON input refuses it. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` holds an unpaired surrogate. */
export function hasUnpairedSurrogate(text: string): boolean {
  return UNPAIRED_SURROGATE.test(text);
}

/** What makes a text unstorable: the problem codes ingest answers with. */
export type UnstorableTextProblem = 'nul_character' | 'unpaired_surrogate';

const holdsNul = (text: string): boolean => text.includes('\u0000');

/**
 * Every string and object key in `value` that Postgres cannot store, with its path and problem (at most `limit`), in
 * document order, in one walk. Iterative, so a body nested 100,000 levels deep cannot overflow the stack.
 */
export function unstorableTextPaths(value: unknown, limit = 20): Array<{ path: Array<string | number>; problem: UnstorableTextProblem }> {
  const found: Array<{ path: Array<string | number>; problem: UnstorableTextProblem }> = [];
  const pending: Array<{ value: unknown; at: PathNode }> = [{ value, at: undefined }];
  while (pending.length > 0 && found.length < limit) {
    const { value: current, at } = pending.pop()!;
    if (typeof current === 'string') {
      if (holdsNul(current)) found.push({ path: pathOf(at), problem: 'nul_character' });
      if (hasUnpairedSurrogate(current)) found.push({ path: pathOf(at), problem: 'unpaired_surrogate' });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) pending.push({ value: current[index], at: { key: index, parent: at } });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, inner] = entries[index]!;
        const child = { key, parent: at };
        // A key is reported at its own path; its value is still searched (both can hold one).
        pending.push({ value: inner, at: child });
        if (holdsNul(key) || hasUnpairedSurrogate(key)) pending.push({ value: key, at: child });
      }
    }
  }
  return found.slice(0, limit);
}
