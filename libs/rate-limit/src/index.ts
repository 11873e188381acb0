// Public surface of @hookmesh/rate-limit: rate limits shared by every replica of a service over NATS.
export { createSharedRateLimiter, type SharedRateLimiter, type SharedRateLimiterOptions } from './shared-rate-limit';
