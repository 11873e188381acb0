// In-memory token bucket per caller. Per process: with N replicas the effective limit is N × rate.
import type { Request, RequestHandler, Response } from 'express';
import { TooManyRequests } from './errors';

/** Outcome of taking one token. */
export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

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
export interface TokenBuckets {
  take(key: string): TakeResult;
}

/** Creates keyed token buckets with the given rate and burst. */
export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const { ratePerSecond, burst, now = Date.now, maxKeys = 10_000 } = options;
  if (!(ratePerSecond > 0) || !(burst >= 1)) {
    throw new Error(`rate limit needs ratePerSecond > 0 and burst >= 1 (got ${ratePerSecond}, ${burst}).`);
  }
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recently used.
  const buckets = new Map<string, Bucket>();

  return {
    take(key) {
      const at = now();
      const previous = buckets.get(key);
      const bucket: Bucket = previous
        ? {
            tokens: Math.min(burst, previous.tokens + ((at - previous.updatedAt) / 1000) * ratePerSecond),
            updatedAt: at,
          }
        : { tokens: burst, updatedAt: at };
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, remaining: Math.floor(bucket.tokens) };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
    },
  };
}

export interface RateLimitOptions extends TokenBucketOptions {
  /** Who a request counts against; default the token's account and subject, else the client address. */
  key?: (req: Request, res: Response) => string;
}

function defaultKey(req: Request, res: Response): string {
  const auth = res.locals.auth;
  return auth ? `sub:${auth.account}/${auth.subject}` : `ip:${req.ip ?? 'unknown'}`;
}

/** Middleware answering 429 with Retry-After once a caller's bucket is empty; mount it after requireAuth. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const buckets = createTokenBuckets(options);
  const keyOf = options.key ?? defaultKey;
  return (req, res, next) => {
    const result = buckets.take(keyOf(req, res));
    if (!result.allowed) {
      throw new TooManyRequests(result.retryAfterSeconds, 'Rate limit exceeded; retry after the Retry-After delay.');
    }
    next();
  };
}
