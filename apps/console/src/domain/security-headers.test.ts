import { describe, expect, it } from '@jest/globals';
import { contentSecurityPolicy } from './security-headers';

describe('contentSecurityPolicy', () => {
  const directives = (policy: string) => new Map(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]));

  it('allows scripts and styles from the console only: no inline code, no eval, no other origin', () => {
    const policy = directives(contentSecurityPolicy(["'self'"]));
    expect(policy.get('default-src')).toBe("'none'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('style-src')).toBe("'self'");
    expect(policy.get('connect-src')).toBe("'self'");
    expect([...policy.values()].join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('turns every string-to-HTML sink off with Trusted Types and no policy', () => {
    const policy = directives(contentSecurityPolicy(["'self'"]));
    expect(policy.get('require-trusted-types-for')).toBe("'script'");
    expect(policy.get('trusted-types')).toBe("'none'");
  });

  it('lets the configured dashboards frame the console', () => {
    expect(directives(contentSecurityPolicy(["'self'", 'https://dashboard.example.com'])).get('frame-ancestors')).toBe("'self' https://dashboard.example.com");
  });
});
