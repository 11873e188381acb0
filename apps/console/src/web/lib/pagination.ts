// Keyset pages of GET /deliveries as one list. The list refreshes itself: every loaded page is fetched again, each
// from the cursor of the freshly fetched page before it, so new deliveries push older ones down instead of
// leaving a gap; a delivery may still sit on two pages for one refresh, so rows are kept once, first seen first.

export interface KeysetPage<T> {
  next_cursor: string | null;
  items: readonly T[];
}

/** The cursor of the page after `page`, or undefined when it was the last. */
export function nextPageParam(page: { next_cursor: string | null }): string | undefined {
  return page.next_cursor ?? undefined;
}

/** Every row of the loaded pages in order, each id once. */
export function flattenPages<T extends { id: string }>(pages: ReadonlyArray<KeysetPage<T>>): T[] {
  const seen = new Set<string>();
  const rows: T[] = [];
  for (const page of pages) {
    for (const item of page.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      rows.push(item);
    }
  }
  return rows;
}
