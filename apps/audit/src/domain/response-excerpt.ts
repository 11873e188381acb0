// Attempt texts are kept for diagnosis, not archived: they are capped and made storable.

/** At most `max` characters of `text`, never ending inside a surrogate pair, without NUL (Postgres text refuses it). */
export function capText(text: string | null, max: number): string | null {
  if (text === null) return null;
  // eslint-disable-next-line no-control-regex
  const storable = text.includes('\u0000') ? text.replace(/\u0000/g, '') : text;
  if (storable.length <= max) return storable;
  const cut = storable.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
