// Bearer JWT authentication: verify with jose, bind the token to the account in the path, check scopes.
import type { RequestHandler, Response } from 'express';
import { SignJWT, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Forbidden, Unauthorized, Unavailable } from './errors';
import type { AuthContext } from './request-context';

export type { AuthContext } from './request-context';

/** Every scope the public API knows, in the order the design lists them. */
export const ALL_SCOPES = [
  'callbacks:read',
  'callbacks:write',
  'events:write',
  'deliveries:read',
  'deliveries:write',
] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export interface TokenVerifierOptions {
  /** HS256 shared secret (local use); at least 32 bytes. Exactly one of secret / jwksUrl. */
  secret?: string;
  /** JWKS endpoint for RS256/ES256 tokens. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds for exp/nbf/iat; default 5. */
  clockToleranceSeconds?: number;
}

/** Verifies a compact JWT and returns who it speaks for; throws Unauthorized (or Unavailable when the JWKS is down). */
export interface TokenVerifier {
  verify(token: string): Promise<AuthContext>;
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

function contextFrom(payload: JWTPayload): AuthContext {
  const account = payload['account'];
  if (typeof account !== 'string' || account.length === 0) {
    throw new Unauthorized('The token has no account claim.', { invalidToken: true });
  }
  // A token without `sub` still identifies a caller: the account itself (used as the rate-limit key).
  return { account, subject: payload.sub ?? account, scopes: scopesFrom(payload['scope']) };
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
  const { secret, jwksUrl, issuer, audience, clockToleranceSeconds = 5 } = options;
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

  if (secret !== undefined) {
    const key = assertSecretStrength(secret);
    return {
      async verify(token) {
        try {
          const { payload } = await jwtVerify(token, key, { ...verifyOptions, algorithms: HS_ALGORITHMS });
          return contextFrom(payload);
        } catch (error) {
          if (error instanceof Unauthorized) throw error;
          throw describeJoseFailure(error);
        }
      },
    };
  }

  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwksUrl as string), { timeoutDuration: 3000 });
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, { ...verifyOptions, algorithms: JWKS_ALGORITHMS });
        return contextFrom(payload);
      } catch (error) {
        if (error instanceof Unauthorized) throw error;
        throw describeJoseFailure(error);
      }
    },
  };
}

// Compact JWS: three base64url segments; the signature may not be empty (that is what alg "none" produces).
const BEARER = /^Bearer[ ]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)[ ]*$/i;

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
    const header = req.get('authorization');
    if (header === undefined) throw new Unauthorized('A bearer token is required.');
    const match = BEARER.exec(header);
    if (match === null || match[1] === undefined) {
      throw new Unauthorized('The Authorization header must be "Bearer <JWT>".', { invalidToken: true });
    }
    const auth = await verifier.verify(match[1]);
    if (auth.account !== pathAccount) {
      throw new Forbidden(`The token is not valid for account "${pathAccount}".`);
    }
    res.locals.auth = auth;
    next();
  };
}

/** Middleware: requires every listed scope on the verified token; 403 names the first missing one. */
export function requireScope(...scopes: readonly Scope[]): RequestHandler {
  return (_req, res, next) => {
    const granted = authOf(res).scopes;
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
  account: string;
  /** Defaults to every scope. */
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
  const { secret, account, scopes = ALL_SCOPES, ttlSeconds = 12 * 3600, subject = `dev:${account}` } = options;
  const key = assertSecretStrength(secret);
  const jwt = new SignJWT({ account, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(key);
}
