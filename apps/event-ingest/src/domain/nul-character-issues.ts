// Ingest's half of the pipeline's NUL rule: an event whose data holds U+0000 is refused, naming where it is.
import { NUL_CHARACTER_MESSAGE, nulCharacterPaths } from '@hookmesh/contracts';
import type { ProblemIssue } from '@hookmesh/http';

function dataOf(event: unknown): unknown {
  return typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as { data?: unknown }).data : undefined;
}

/** One issue per string or key holding a NUL in the data of a POST /events body; batch paths start with the index. */
export function nulCharacterIssues(body: unknown): ProblemIssue[] {
  const events: Array<{ prefix: Array<string | number>; event: unknown }> = Array.isArray(body)
    ? body.map((event, index) => ({ prefix: [index], event }))
    : [{ prefix: [], event: body }];
  return events.flatMap(({ prefix, event }) =>
    nulCharacterPaths(dataOf(event)).map((path) => ({ path: [...prefix, 'data', ...path].join('.'), code: 'nul_character', message: `data ${NUL_CHARACTER_MESSAGE}` })),
  );
}
