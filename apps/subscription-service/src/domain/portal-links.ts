// Portal links: a short-lived account token for the web console, signed with the installation's HS256 secret, put in
// the fragment of the console's address so that the browser never sends it to a server as part of a URL.
import { DEFAULT_PORTAL_SCOPES, DEFAULT_PORTAL_TTL_SECONDS, type CreatePortalLinkRequest, type PortalLink } from '@hookmesh/contracts';
import { Invalid } from '@hookmesh/http';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

export interface PortalTokenSettings {
  /** HOOKMESH_JWT_SECRET: the key the services verify with. */
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** HOOKMESH_TOKEN_MAX_LIFETIME in seconds: the verifier refuses longer-lived tokens. */
  maxLifetimeSeconds: number;
}

export interface PortalLinkSettings {
  /** HOOKMESH_CONSOLE_URL: where the customer opens the console. */
  consoleUrl: string;
  /** Absent when tokens are verified through a JWKS URL: the identity provider issues them, not Hookmesh. */
  token: PortalTokenSettings | undefined;
}

/** The lifetime a request asks for, within the installation's bound; Invalid names ttl_seconds otherwise. */
export function portalLifetimeSeconds(request: Pick<CreatePortalLinkRequest, 'ttl_seconds'>, maxLifetimeSeconds: number): number {
  const ttl = request.ttl_seconds ?? Math.min(DEFAULT_PORTAL_TTL_SECONDS, maxLifetimeSeconds);
  if (ttl > maxLifetimeSeconds) {
    throw new Invalid(
      [{ path: 'ttl_seconds', code: 'too_big', message: `ttl_seconds must be at most ${maxLifetimeSeconds} (HOOKMESH_TOKEN_MAX_LIFETIME): longer-lived tokens are refused` }],
      'The request body is invalid; no link was made.',
    );
  }
  return ttl;
}

/** "<console>/#token=<jwt>", whatever path the console URL has. */
export function portalLinkUrl(consoleUrl: string, token: string): string {
  const url = new URL(consoleUrl);
  url.hash = `token=${token}`;
  return url.toString();
}

/** Signs the account token of a portal link and builds the link. */
export async function mintPortalLink(
  settings: PortalTokenSettings & { consoleUrl: string },
  request: CreatePortalLinkRequest,
  operator: string,
  now: Date,
): Promise<PortalLink> {
  const ttl = portalLifetimeSeconds(request, settings.maxLifetimeSeconds);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const scopes = request.scopes ?? DEFAULT_PORTAL_SCOPES;
  const jwt = new SignJWT({ account: request.account, scope: scopes.join(' '), minted_by: operator })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    // Who acts through the link (redelivery requests record it): the portal of that account.
    .setSubject(`portal:${request.account}`)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl);
  if (settings.issuer !== undefined) jwt.setIssuer(settings.issuer);
  if (settings.audience !== undefined) jwt.setAudience(settings.audience);
  const token = await jwt.sign(new TextEncoder().encode(settings.secret));
  return { url: portalLinkUrl(settings.consoleUrl, token), expires_at: new Date((issuedAt + ttl) * 1000).toISOString() };
}
