import { describe, expect, it } from '@jest/globals';
import { Invalid } from '@hookmesh/http';
import { portalLifetimeSeconds, portalLinkUrl } from './portal-links';

describe('portalLinkUrl', () => {
  it('puts the token in the fragment of the console address, keeping its path', () => {
    expect(portalLinkUrl('https://console.example.com', 'a.b.c')).toBe('https://console.example.com/#token=a.b.c');
    expect(portalLinkUrl('https://example.com/hookmesh/', 'a.b.c')).toBe('https://example.com/hookmesh/#token=a.b.c');
  });
});

describe('portalLifetimeSeconds', () => {
  it('defaults to an hour, or the installation bound when that is shorter', () => {
    expect(portalLifetimeSeconds({}, 86_400)).toBe(3_600);
    expect(portalLifetimeSeconds({}, 600)).toBe(600);
    expect(portalLifetimeSeconds({ ttl_seconds: 900 }, 86_400)).toBe(900);
  });

  it('refuses more than the bound, naming ttl_seconds', () => {
    expect(() => portalLifetimeSeconds({ ttl_seconds: 86_401 }, 86_400)).toThrow(Invalid);
  });
});
