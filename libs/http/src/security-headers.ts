// Response headers for a JSON API (helmet): nothing a service answers may be sniffed, framed or cached as a page.
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

export type { HelmetOptions };

/**
 * The policy of every JSON API: a CSP that allows nothing (an answer is data, never a document, so it breaks nothing
 * and disarms a response excerpt holding `<script>` if a browser is ever made to render it), no framing, nosniff,
 * no referrer; the rest are helmet's defaults (HSTS, COOP, CORP same-origin, ...).
 */
export const JSON_API_SECURITY_HEADERS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/** Tenant data and freshly minted secrets must not stay in a browser or proxy cache. */
export const JSON_API_CACHE_CONTROL = 'no-store';

/** Sets the security headers: JSON_API_SECURITY_HEADERS with `overrides` replacing whole keys (a console's own CSP). */
export function securityHeaders(overrides: HelmetOptions = {}): RequestHandler {
  // HelmetOptions forbids mixing a header's two option names (hsts, strictTransportSecurity), which a spread cannot show.
  return helmet({ ...JSON_API_SECURITY_HEADERS, ...overrides } as HelmetOptions);
}

/** Sets Cache-Control on every answer (a route may set its own afterwards); `false` leaves it to the routes. */
export function cacheControl(value: string | false): RequestHandler {
  return (_req, res, next) => {
    if (value !== false) res.setHeader('Cache-Control', value);
    next();
  };
}
