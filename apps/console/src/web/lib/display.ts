// How the page looks, from its URL: ?embed=1 (no navigation chrome, for an iframe in the operator's dashboard),
// ?theme=dark|light and ?accent=<hex>. Kept for the tab's session, so links inside the console keep the look.

export interface Display {
  embed: boolean;
  theme: 'light' | 'dark';
  /** A CSS hex colour ("#0a7cff"), or null for the default accent. */
  accent: string | null;
}

export const DEFAULT_DISPLAY: Display = { embed: false, theme: 'light', accent: null };

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** The accent as "#rrggbb"/"#rgb", or null when the value is not a hex colour (nothing else reaches the style). */
export function parseAccent(value: string | null): string | null {
  if (value === null) return null;
  const match = HEX.exec(value.trim());
  return match ? `#${match[1]!.toLowerCase()}` : null;
}

/** The display the URL asks for, over what the session already had. */
export function displayFrom(search: URLSearchParams, previous: Display = DEFAULT_DISPLAY): Display {
  const display = { ...previous };
  const embed = search.get('embed');
  if (embed !== null) display.embed = embed === '1' || embed === 'true';
  const theme = search.get('theme');
  if (theme === 'dark' || theme === 'light') display.theme = theme;
  if (search.has('accent')) display.accent = parseAccent(search.get('accent'));
  return display;
}

/** A stored display, or the default when it is missing or not one. */
export function parseStoredDisplay(text: string | null): Display {
  if (text === null) return DEFAULT_DISPLAY;
  try {
    const value = JSON.parse(text) as Partial<Display>;
    return {
      embed: value.embed === true,
      theme: value.theme === 'dark' ? 'dark' : 'light',
      accent: typeof value.accent === 'string' ? parseAccent(value.accent) : null,
    };
  } catch {
    return DEFAULT_DISPLAY;
  }
}
