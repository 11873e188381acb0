import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "250ms", "5s", "30m", "2h", "7d" or a bare number of milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

/** A zod schema turning a duration string (or number of ms) into milliseconds. */
export const DurationMs = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 500ms, 5s, 5m, 2h, 1d)` });
    return z.NEVER;
  }
  return ms;
});

/** A comma-separated list of durations, e.g. the retry schedule "0,5s,5m". */
export const DurationListMs = z.string().transform((value, ctx) => {
  const parts = value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  const out: number[] = [];
  for (const part of parts) {
    const ms = parseDurationMs(part);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a duration (use e.g. 0,5s,5m,30m,2h)` });
      return z.NEVER;
    }
    out.push(ms);
  }
  if (out.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one delay' });
    return z.NEVER;
  }
  return out;
});
