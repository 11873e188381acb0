import { describe, expect, it } from '@jest/globals';
import { capText } from './response-excerpt';

describe('capText', () => {
  it('keeps short texts and null as they are', () => {
    expect(capText('{"ok":true}', 2048)).toBe('{"ok":true}');
    expect(capText(null, 10)).toBeNull();
  });

  it('cuts at the cap without splitting a surrogate pair', () => {
    expect(capText('x'.repeat(5000), 2048)).toHaveLength(2048);
    expect(capText('ab😀', 3)).toBe('ab');
  });

  it('drops NUL characters, which Postgres text cannot hold', () => {
    expect(capText('a\u0000b', 10)).toBe('ab');
  });
});
