// Public surface of @hookmesh/http; nothing else is imported from outside the library.
export {
  HttpError,
  NotFound,
  Conflict,
  MethodNotAllowed,
  LimitExceeded,
  type ExceededLimit,
  Invalid,
  Unauthorized,
  Forbidden,
  PayloadTooLarge,
  UnsupportedMediaType,
  TooManyRequests,
  Unavailable,
  type ProblemIssue,
} from './errors';
export {
  createProblemHandler,
  notFoundHandler,
  requireJsonBody,
  sendProblem,
  issuesFromZod,
  toHttpError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
} from './problem';
export { parseBody, parseQuery, parseParams } from './validate';
export {
  createTokenVerifier,
  requireAuth,
  requireAdmin,
  requireScope,
  authOf,
  operatorOf,
  signDevToken,
  ALL_SCOPES,
  ADMIN_SCOPE,
  RESERVED_ACCOUNT,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  type Scope,
  type AccountScope,
  type AuthContext,
  type OperatorContext,
  type VerifiedToken,
  type TokenVerifier,
  type TokenVerifierOptions,
  type RequireAuthOptions,
  type DevTokenOptions,
} from './auth';
export {
  rateLimit,
  refuseWhenExhausted,
  createTokenBuckets,
  accountKey,
  type RateLimiter,
  type RateLimitOptions,
  type TokenBucketOptions,
  type TokenBuckets,
  type TakeResult,
} from './rate-limit';
export { createHttpMetrics, HTTP_REQUESTS_TOTAL, HTTP_REQUEST_DURATION_SECONDS, type HttpMetrics } from './metrics';
export { routeTemplateOf, requestIdOf } from './request-context';
export type { CheckResult, ReadinessCheck, Readiness } from './readiness';
export { createHttpApp, type HttpAppOptions } from './app';
export { securityHeaders, cacheControl, JSON_API_SECURITY_HEADERS, JSON_API_CACHE_CONTROL, type HelmetOptions } from './security-headers';
export { startHttpServer, type HttpServerOptions, type RunningHttpServer } from './server';
export { methodNotAllowed } from './method-not-allowed';
