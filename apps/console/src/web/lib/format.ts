// How times, durations and ids read on the page.

/** A timestamp in the browser's locale, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Milliseconds as "12 ms", "1.2 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A share 0..1 as "97.5 %". */
export function formatPercent(share: number | null): string {
  return share === null ? '—' : `${(Math.round(share * 1000) / 10).toFixed(1)} %`;
}

/** The first block of a UUID, enough to tell rows apart. */
export function shortId(id: string): string {
  return id.split('-')[0] ?? id;
}
