// Bearer JWT authentication: verify with jose, bind the token to the account in the path (or require the operator
// scope on /admin routes), check scopes, bound the token's lifetime.
import type { RequestHandler, Response } from 'express';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Forbidden, NotFound, Unauthorized, Unavailable } from './errors';
import type { AuthContext, OperatorContext } from './request-context';

export type { AuthContext, OperatorContext } from './request-context';

/** Every scope of the account API, in the order the design lists them (what a token has by default). */
export const ALL_SCOPES = [
  'callbacks:read',
  'callbacks:write',
  'events:write',
  'deliveries:read',
  'deliveries:write',
] as const;
export type AccountScope = (typeof ALL_SCOPES)[number];

/** The operator scope: opens /admin/api/v1/... and nothing else (it grants no account scope). */
export const ADMIN_SCOPE = 'admin';
export type Scope = AccountScope | typeof ADMIN_SCOPE;

/**
 * The account name the operator API lives under (`/admin/api/v1/...`): no token may carry it and no account path may
 * use it, so an account route can never be mistaken for an operator route or the other way round.
 */
export const RESERVED_ACCOUNT = 'admin';

/** Default bound on a token's lifetime (exp - iat, and exp - now): a leaked token stops working within a day. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

export interface TokenVerifierOptions {
  /** HS256 shared secret (local use); at least 32 bytes. Exactly one of secret / jwksUrl. */
  secret?: string;
  /** JWKS endpoint for RS256/ES256 tokens. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds for exp/nbf/iat; default 5. */
  clockToleranceSeconds?: number;
  /**
   * Longest a token may live (HOOKMESH_TOKEN_MAX_LIFETIME): refused when exp lies further than this from iat, or
   * from now (so a token without iat is bounded too). Default 24 h.
   */
  maxLifetimeSeconds?: number;
}

/** What a verified token says: the account it speaks for (null for an operator token without one), who, which scopes. */
export interface VerifiedToken {
  account: string | null;
  subject: string;
  scopes: readonly string[];
}

/** Verifies a compact JWT and returns who it speaks for; throws Unauthorized (or Unavailable when the JWKS is down). */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
const MIN_SECRET_BYTES = 32;
const HS_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

function assertSecretStrength(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`JWT secret must be at least ${MIN_SECRET_BYTES} bytes (got ${key.byteLength}); generate one with \`openssl rand -base64 48\`.`);
  }
  return key;
}

function scopesFrom(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(' ').filter((scope) => scope.length > 0);
  if (Array.isArray(claim)) return claim.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

function verifiedFrom(payload: JWTPayload): VerifiedToken {
  const claim = payload['account'];
  if (claim !== undefined && (typeof claim !== 'string' || claim.length === 0)) {
    throw new Unauthorized('The token\'s account claim must be a non-empty string.', { invalidToken: true });
  }
  if (claim === RESERVED_ACCOUNT) {
    throw new Unauthorized(`The account name "${RESERVED_ACCOUNT}" is reserved for the operator API; no token may carry it.`, { invalidToken: true });
  }
  const account = claim ?? null;
  // A token without `sub` still identifies a caller: the account itself (or the operator).
  return { account, subject: payload.sub ?? account ?? 'operator', scopes: scopesFrom(payload['scope']) };
}

/** Refuses a token issued in the future or living longer than the bound (jose checks exp, nbf and the signature). */
function checkLifetime(payload: JWTPayload, maxLifetimeSeconds: number, toleranceSeconds: number, nowSeconds: number): void {
  const { iat, exp } = payload;
  if (iat !== undefined && iat > nowSeconds + toleranceSeconds) {
    throw new Unauthorized('The token is issued in the future (its iat claim is ahead of this server\'s clock).', { invalidToken: true });
  }
  if (exp === undefined) return;
  const issued = iat ?? nowSeconds;
  if (exp - issued > maxLifetimeSeconds + toleranceSeconds || exp - nowSeconds > maxLifetimeSeconds + toleranceSeconds) {
    throw new Unauthorized(`The token lives too long: tokens may be valid for at most ${maxLifetimeSeconds} seconds.`, { invalidToken: true });
  }
}

/** A clear message for a token whose header names an algorithm this verifier does not take (alg "none" included). */
function checkAlgorithm(token: string, accepted: readonly string[]): void {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new Unauthorized('The token\'s header is not a valid JWS header.', { invalidToken: true });
  }
  if (typeof alg !== 'string' || !accepted.includes(alg)) {
    throw new Unauthorized(`The token's algorithm ${JSON.stringify(alg ?? null)} is not accepted; use ${accepted.join(' or ')}.`, { invalidToken: true });
  }
}

function describeJoseFailure(error: unknown): Unauthorized | Unavailable {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    // The key server is our dependency, not the caller's fault: a 401 would make clients throw away good tokens.
    return new Unavailable(5, 'Token keys are temporarily unavailable.');
  }
  if (error instanceof errors.JWTExpired) return new Unauthorized('The token has expired.', { invalidToken: true });
  if (error instanceof errors.JOSEError) return new Unauthorized('The token is invalid.', { invalidToken: true });
  // Network failures fetching the JWKS surface as plain errors.
  return new Unavailable(5, 'Token keys are temporarily unavailable.');
}

/** Builds a verifier for HS256 (`secret`) or RS256/ES256 via a remote JWKS (`jwksUrl`); rejects every other alg. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { secret, jwksUrl, issuer, audience, clockToleranceSeconds = 5, maxLifetimeSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } = options;
  if ((secret === undefined) === (jwksUrl === undefined)) {
    throw new Error('createTokenVerifier needs exactly one of `secret` (HS256) or `jwksUrl` (RS256/ES256).');
  }
  const verifyOptions = {
    issuer,
    audience,
    clockTolerance: clockToleranceSeconds,
    // A token that never expires is a credential that can never be revoked by time.
    requiredClaims: ['exp'],
  };

  // One flow for both key sources; `check` is jose's signature and claims check with that source's keys.
  const verifyWith = (algorithms: readonly string[], check: (token: string) => Promise<{ payload: JWTPayload }>): TokenVerifier => ({
    async verify(token) {
      checkAlgorithm(token, algorithms);
      try {
        const { payload } = await check(token);
        checkLifetime(payload, maxLifetimeSeconds, clockToleranceSeconds, Math.floor(Date.now() / 1000));
        return verifiedFrom(payload);
      } catch (error) {
        if (error instanceof Unauthorized) throw error;
        throw describeJoseFailure(error);
      }
    },
  });
  if (secret !== undefined) {
    const key = assertSecretStrength(secret);
    return verifyWith(HS_ALGORITHMS, (token) => jwtVerify(token, key, { ...verifyOptions, algorithms: HS_ALGORITHMS }));
  }
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwksUrl as string), { timeoutDuration: 3000 });
  return verifyWith(JWKS_ALGORITHMS, (token) => jwtVerify(token, keys, { ...verifyOptions, algorithms: JWKS_ALGORITHMS }));
}

// Compact JWS: three base64url segments. An empty signature (what alg "none" produces) is let through to the
// verifier, which names the refused algorithm instead of calling the header malformed.
const BEARER = /^Bearer[ ]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ ]*$/i;

/** The token of an `Authorization: Bearer <JWT>` header; throws Unauthorized when there is none or it is malformed. */
function bearerToken(header: string | undefined): string {
  if (header === undefined) throw new Unauthorized('A bearer token is required.');
  const match = BEARER.exec(header);
  if (match === null || match[1] === undefined) {
    throw new Unauthorized('The Authorization header must be "Bearer <JWT>".', { invalidToken: true });
  }
  return match[1];
}

export interface RequireAuthOptions {
  /** Name of the path parameter holding the account; default "account". */
  accountParam?: string;
}

/** Middleware: verifies the bearer token, requires its `account` claim to equal the path's account, sets res.locals.auth. */
export function requireAuth(verifier: TokenVerifier, options: RequireAuthOptions = {}): RequestHandler {
  const accountParam = options.accountParam ?? 'account';
  return async (req, res, next) => {
    const pathAccount = req.params[accountParam];
    if (typeof pathAccount !== 'string') {
      // Fail closed: mounted where the account is not in the path (or a router without mergeParams).
      throw new Error(`requireAuth is mounted on ${req.baseUrl || req.path}, which has no :${accountParam} parameter.`);
    }
    if (pathAccount === RESERVED_ACCOUNT) {
      throw new NotFound(`"/${RESERVED_ACCOUNT}/api/v1" is the operator API, and this operator route does not exist.`);
    }
    const verified = await verifier.verify(bearerToken(req.get('authorization')));
    // The operator scope opens no account: an account route needs the account claim, whatever else the token holds.
    if (verified.account === null) {
      throw new Forbidden(`The token carries no account claim, so it is not valid for account "${pathAccount}".`);
    }
    if (verified.account !== pathAccount) {
      throw new Forbidden(`The token is not valid for account "${pathAccount}".`);
    }
    res.locals.auth = { account: verified.account, subject: verified.subject, scopes: verified.scopes };
    next();
  };
}

/**
 * Middleware of the operator API (/admin/api/v1/...): verifies the bearer token and requires the `admin` scope;
 * the account claim is not looked at. Sets res.locals.operator.
 */
export function requireAdmin(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const verified = await verifier.verify(bearerToken(req.get('authorization')));
    if (!verified.scopes.includes(ADMIN_SCOPE)) {
      throw new Forbidden(`Operator routes need the scope "${ADMIN_SCOPE}"; account tokens do not open them.`, { missingScope: ADMIN_SCOPE });
    }
    res.locals.operator = { subject: verified.subject, scopes: verified.scopes };
    next();
  };
}

/** The verified operator of an /admin request; throws when requireAdmin did not run (a wiring bug, hence 500). */
export function operatorOf(res: Response): OperatorContext {
  const operator = res.locals.operator;
  if (operator === undefined) throw new Error('operatorOf called on a route without requireAdmin.');
  return operator;
}

/** Middleware: requires every listed scope on the verified token (account or operator); 403 names the first missing one. */
export function requireScope(...scopes: readonly Scope[]): RequestHandler {
  return (_req, res, next) => {
    const granted = res.locals.auth?.scopes ?? res.locals.operator?.scopes;
    if (granted === undefined) throw new Error('requireScope runs after requireAuth or requireAdmin.');
    const missing = scopes.find((scope) => !granted.includes(scope));
    if (missing !== undefined) {
      throw new Forbidden(`The token lacks the scope "${missing}".`, { missingScope: missing });
    }
    next();
  };
}

/** The verified caller of this request; throws when requireAuth did not run (a wiring bug, hence 500). */
export function authOf(res: Response): AuthContext {
  const auth = res.locals.auth;
  if (auth === undefined) throw new Error('authOf called on a route without requireAuth.');
  return auth;
}

export interface DevTokenOptions {
  secret: string;
  /** The account claim; leave it out for an operator token (scopes ["admin"]). */
  account?: string;
  /** Defaults to every account scope (ALL_SCOPES). */
  scopes?: readonly string[];
  /** Defaults to 12 hours: long enough for a local session, short enough not to linger. */
  ttlSeconds?: number;
  /** Defaults to "dev:<account>". */
  subject?: string;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 bearer token for local use and tests (`npm run token`). */
export async function signDevToken(options: DevTokenOptions): Promise<string> {
  const { secret, account, scopes = ALL_SCOPES, ttlSeconds = 12 * 3600, subject = `dev:${account ?? 'operator'}` } = options;
  if (account === RESERVED_ACCOUNT) throw new Error(`the account name "${RESERVED_ACCOUNT}" is reserved for the operator API`);
  const key = assertSecretStrength(secret);
  const jwt = new SignJWT({ ...(account === undefined ? {} : { account }), scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(key);
}
