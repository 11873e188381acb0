import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DISPLAY, displayFrom, parseAccent, parseStoredDisplay } from './display';

describe('displayFrom', () => {
  it('reads embed, theme and accent from the URL', () => {
    expect(displayFrom(new URLSearchParams('embed=1&theme=dark&accent=FF0066'))).toEqual({ embed: true, theme: 'dark', accent: '#ff0066' });
  });

  it('keeps what the session had for parameters the URL does not name', () => {
    expect(displayFrom(new URLSearchParams('theme=light'), { embed: true, theme: 'dark', accent: '#123' })).toEqual({ embed: true, theme: 'light', accent: '#123' });
  });

  it('lets nothing but a hex colour through as the accent', () => {
    expect(parseAccent('#0a7cff')).toBe('#0a7cff');
    for (const value of ['red', 'url(x)', '#12', '#1234567', '0a7cff;background:url(x)']) expect(parseAccent(value)).toBeNull();
  });
});

describe('parseStoredDisplay', () => {
  it('falls back to the default for a missing or broken value', () => {
    expect(parseStoredDisplay(null)).toEqual(DEFAULT_DISPLAY);
    expect(parseStoredDisplay('{nope')).toEqual(DEFAULT_DISPLAY);
    expect(parseStoredDisplay('{"embed":true,"theme":"dark","accent":"javascript:x"}')).toEqual({ embed: true, theme: 'dark', accent: null });
  });
});
