// Token buckets keyed by caller, and the middleware that answers 429 from them. On their own they count one process;
// createSharedRateLimiter (@hookmesh/rate-limit) makes every replica of a service count against the same buckets.
import type { Request, RequestHandler, Response } from 'express';
import { TooManyRequests } from './errors';

/** Outcome of taking tokens. */
export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Anything that admits or refuses `cost` units for a key. */
export interface RateLimiter {
  /** Takes `cost` tokens (default 1) from the key's bucket when it holds that many; takes nothing otherwise. */
  take(key: string, cost?: number): TakeResult;
  /** What take would answer, without taking anything. */
  check(key: string, cost?: number): TakeResult;
}

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Bucket size (the largest burst allowed after a quiet period). */
  burst: number;
  /** Milliseconds clock; injected so tests need not sleep. */
  now?: () => number;
  /** Buckets kept at most; the least recently used are forgotten (a forgotten caller starts full). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets keyed by caller. */
export interface TokenBuckets extends RateLimiter {
  /** Removes tokens without asking (what another replica admitted); the bucket may go below zero and refills from there. */
  spend(key: string, cost: number): void;
}

/** Creates keyed token buckets with the given rate and burst. */
export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const { ratePerSecond, burst, now = Date.now, maxKeys = 10_000 } = options;
  if (!(ratePerSecond > 0) || !(burst >= 1)) {
    throw new Error(`rate limit needs ratePerSecond > 0 and burst >= 1 (got ${ratePerSecond}, ${burst}).`);
  }
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recently used.
  const buckets = new Map<string, Bucket>();

  function refilled(key: string): Bucket {
    const at = now();
    const previous = buckets.get(key);
    const bucket: Bucket = previous
      ? { tokens: Math.min(burst, previous.tokens + ((at - previous.updatedAt) / 1000) * ratePerSecond), updatedAt: at }
      : { tokens: burst, updatedAt: at };
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next();
      if (!oldest.done) buckets.delete(oldest.value);
    }
    return bucket;
  }

  function verdict(tokens: number, cost: number): TakeResult {
    return tokens >= cost
      ? { allowed: true, remaining: Math.floor(tokens - cost) }
      : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - tokens) / ratePerSecond)) };
  }

  return {
    take(key, cost = 1) {
      const bucket = refilled(key);
      const result = verdict(bucket.tokens, cost);
      if (result.allowed) bucket.tokens -= cost;
      return result;
    },
    check(key, cost = 1) {
      return verdict(refilled(key).tokens, cost);
    },
    spend(key, cost) {
      refilled(key).tokens -= cost;
    },
  };
}

/** The default key: the token's account (every subject of an account shares its budget), else the client address. */
export function accountKey(req: Request, res: Response): string {
  const auth = res.locals.auth;
  if (auth) return `acct:${auth.account}`;
  // The operator API has no account: its callers count by who they are.
  const operator = res.locals.operator;
  return operator ? `operator:${operator.subject}` : `ip:${req.ip ?? 'unknown'}`;
}

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Who a request counts against; default accountKey. */
  key?: (req: Request, res: Response) => string;
  /** What a request costs (e.g. the events of a batch); default 1. Runs after the body is parsed. */
  cost?: (req: Request, res: Response) => number;
  /** The 429's detail. */
  detail?: string;
}

/** Middleware answering 429 with Retry-After once a caller's bucket cannot pay for the request; mount it after requireAuth. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const { limiter, key = accountKey, cost, detail = 'Rate limit exceeded; retry after the Retry-After delay.' } = options;
  return (req, res, next) => {
    const result = limiter.take(key(req, res), cost?.(req, res) ?? 1);
    if (!result.allowed) throw new TooManyRequests(result.retryAfterSeconds, detail);
    next();
  };
}

/**
 * Middleware answering 429 when the caller's bucket cannot pay even one unit, without taking anything. Mounted before
 * the body parser (createHttpApp's beforeBody), it refuses a flooding account before its body is read and parsed; the
 * route's own rateLimit then charges the real cost.
 */
export function refuseWhenExhausted(options: Omit<RateLimitOptions, 'cost'>): RequestHandler {
  const { limiter, key = accountKey, detail = 'Rate limit exceeded; retry after the Retry-After delay.' } = options;
  return (req, res, next) => {
    const result = limiter.check(key(req, res));
    if (!result.allowed) throw new TooManyRequests(result.retryAfterSeconds, detail);
    next();
  };
}
