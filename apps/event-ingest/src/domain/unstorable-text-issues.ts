// Ingest's half of the pipeline's rule for text the event log cannot store: an event whose data holds U+0000 or an
// unpaired surrogate is refused, naming where it is.
import { NUL_CHARACTER_MESSAGE, UNPAIRED_SURROGATE_MESSAGE, unstorableTextPaths } from '@hookmesh/contracts';
import type { ProblemIssue } from '@hookmesh/http';

const MESSAGES = { nul_character: NUL_CHARACTER_MESSAGE, unpaired_surrogate: UNPAIRED_SURROGATE_MESSAGE } as const;

function dataOf(event: unknown): unknown {
  return typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as { data?: unknown }).data : undefined;
}

/**
 * One issue per string or key holding a NUL (`nul_character`) or an unpaired surrogate (`unpaired_surrogate`) in the
 * data of a POST /events body; batch paths start with the index.
 */
export function unstorableTextIssues(body: unknown): ProblemIssue[] {
  const events: Array<{ prefix: Array<string | number>; event: unknown }> = Array.isArray(body)
    ? body.map((event, index) => ({ prefix: [index], event }))
    : [{ prefix: [], event: body }];
  return events.flatMap(({ prefix, event }) =>
    unstorableTextPaths(dataOf(event)).map(({ path, problem }) => ({ path: [...prefix, 'data', ...path].join('.'), code: problem, message: `data ${MESSAGES[problem]}` })),
  );
}
