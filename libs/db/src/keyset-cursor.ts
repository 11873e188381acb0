// Opaque keyset cursors for pages ordered by (created_at, id): base64url of the last row's exact (created_at, id).
import { z } from 'zod';

export interface KeysetCursor {
  /** created_at as Postgres printed it, microseconds included, so the next page starts exactly after it. */
  createdAt: string;
  id: string;
}

const CursorJson = z.tuple([
  z.iso.datetime({ offset: true, precision: 6 }),
  z.uuid(),
]);

/** Encodes the position after a row; the format is private and may change between versions. */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** Reads a cursor back; null when it is not one of ours (the caller answers 400). */
export function decodeCursor(text: string): KeysetCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const result = CursorJson.safeParse(parsed);
  return result.success ? { createdAt: result.data[0], id: result.data[1] } : null;
}
