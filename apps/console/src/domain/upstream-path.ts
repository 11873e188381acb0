// Which request paths the console forwards: only the public account API of the three services, never their
// probes, metrics, OpenAPI or operator routes, and nothing that could climb out of /{account}/api/v1 once decoded.
import { ACCOUNT_PATTERN } from '@hookmesh/contracts';

export const UPSTREAMS = ['subscription', 'ingest', 'audit'] as const;
export type Upstream = (typeof UPSTREAMS)[number];

export function isUpstream(name: string): name is Upstream {
  return (UPSTREAMS as readonly string[]).includes(name);
}

// Percent-encoded slashes, backslashes and dots would let a segment mean something else to the upstream's router.
const SMUGGLING = /%2f|%5c|%2e|\\/i;

/**
 * The upstream path and query for a forwarded request ("/acme/api/v1/callbacks?x=1" stays as is), or undefined
 * when the path is not an account API path (the console answers 404 without calling anyone).
 */
export function upstreamPathFor(pathAndQuery: string): string | undefined {
  const queryAt = pathAndQuery.indexOf('?');
  const path = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  if (SMUGGLING.test(path)) return undefined;
  const segments = path.split('/');
  // "", account, "api", "v1", resource…
  if (segments.length < 5 || segments[0] !== '' || segments[2] !== 'api' || segments[3] !== 'v1') return undefined;
  const account = segments[1] ?? '';
  // "admin" is reserved for the operator API (/admin/api/v1), which no account token may reach through the console.
  if (!ACCOUNT_PATTERN.test(account) || account.toLowerCase() === 'admin') return undefined;
  if (segments.slice(4).some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return pathAndQuery;
}
