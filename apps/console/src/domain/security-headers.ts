// The headers every console response carries. The policy allows scripts and styles from the console's own origin
// only (no inline code, no eval), and Trusted Types with no policy: assigning a string to innerHTML or similar
// throws, so nothing a receiver or customer wrote (response excerpts, URLs, headers) can ever become markup.

/** Content-Security-Policy of the console; `frameAncestors` decides who may embed it (?embed=1). */
export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** Every header set on every response (the CSP included). */
export function securityHeaders(frameAncestors: readonly string[]): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(frameAncestors),
    'X-Content-Type-Options': 'nosniff',
    // The page never puts a token in a URL; no-referrer also keeps paths and filters from leaking to other sites.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}
