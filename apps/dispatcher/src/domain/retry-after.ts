// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

/** Milliseconds to wait as a Retry-After value asks, measured from `now`; undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and a time; a bare number or word is not one.
  if (!/^[A-Za-z]{3},? .*\d{2}:\d{2}:\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
