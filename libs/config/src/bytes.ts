import { z } from 'zod';

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Parses "512kb", "1mb", "2048b" or a bare number of bytes; undefined when malformed. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb)?\s*$/i.exec(text);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()]!);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

/** A zod schema turning a size string ("512kb", "256mb", or bytes) into a number of bytes. */
export const ByteSize = z.string().transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. 512kb, 1mb or a number of bytes)` });
    return z.NEVER;
  }
  return bytes;
});
