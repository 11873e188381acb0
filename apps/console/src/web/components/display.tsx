// The page's look (embed, theme, accent) for every component, applied to the document root once at start.
import { createContext, useContext } from 'react';
import { DEFAULT_DISPLAY, displayFrom, parseStoredDisplay, type Display } from '../lib/display';

const STORAGE_KEY = 'hookmesh.console.display';

export const DisplayContext = createContext<Display>(DEFAULT_DISPLAY);

export function useDisplay(): Display {
  return useContext(DisplayContext);
}

/** Reads the display from the URL over the tab's stored one, stores it, and styles the document root with it. */
export function applyDisplay(search: string): Display {
  let stored: string | null = null;
  try {
    stored = window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  const display = displayFrom(new URLSearchParams(search), parseStoredDisplay(stored));
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(display));
  } catch {
    // Not stored: the look lasts as long as this page.
  }
  const root = document.documentElement;
  root.dataset['theme'] = display.theme;
  root.dataset['embed'] = display.embed ? 'true' : 'false';
  // A custom property set through the CSSOM, which the style policy allows (no inline style attribute).
  if (display.accent !== null) root.style.setProperty('--accent', display.accent);
  return display;
}
