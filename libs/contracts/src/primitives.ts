// Small schemas shared by events, API bodies and internal messages.
import { z } from 'zod';

/** ISO 8601 date-time with `Z` or a numeric offset and any fraction precision (seed values carry microseconds). */
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2018-11-18T00:43:23.095Z' });
export type IsoDateTime = z.infer<typeof IsoDateTime>;

/** Account names are used verbatim as NATS subject tokens and KV key parts, hence the narrow alphabet. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** The operator API lives under `/admin/api/v1`, so no account may be called that. */
export const RESERVED_ACCOUNT_NAME = 'admin';
/**
 * Any account name on the inside (NATS messages, KV values, audit rows), the reserved one included: the operator's
 * own callbacks and operational events live under it, where no account route can reach them.
 */
export const AccountName = z.string().regex(ACCOUNT_PATTERN, 'account must be 1-64 characters of letters, digits, "_" or "-", starting with a letter or digit');
export const Account = z
  .string()
  .regex(ACCOUNT_PATTERN, 'account must be 1-64 characters of letters, digits, "_" or "-", starting with a letter or digit')
  .refine((account) => account !== RESERVED_ACCOUNT_NAME, `the account name "${RESERVED_ACCOUNT_NAME}" is reserved for the operator API`);
export type Account = z.infer<typeof Account>;

export const ApiVersion = z.literal('1.0', { error: 'api_version must be "1.0"' });
export type ApiVersion = z.infer<typeof ApiVersion>;

export const NonEmptyString = z.string().min(1, 'must not be empty');

/** Ids we did not mint ourselves (seed ids such as "vf79fyn5-…" are not UUIDs), so only non-empty is required. */
export const ExternalId = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const Quantity = z.number().int('must be an integer').nonnegative('must not be negative');

export const CallbackStatus = z.enum(['active', 'disabled']);
export type CallbackStatus = z.infer<typeof CallbackStatus>;

/** `held`: its message type is held by the account; `circuit_open`: its callback's circuit is open (it waits out the cool-down). */
export const DeliveryStatus = z.enum(['pending', 'held', 'circuit_open', 'retrying', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** What one HTTP attempt (or a refusal to attempt) led to. */
export const AttemptOutcome = z.enum(['delivered', 'retrying', 'failed', 'held']);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

/** Why an attempt did not succeed; `http_status` means the endpoint answered with a non-2xx status. */
export const ErrorClass = z.enum(['timeout', 'connect', 'dns', 'reset', 'http_status', 'redirect', 'ssrf_blocked', 'tls', 'other']);
export type ErrorClass = z.infer<typeof ErrorClass>;

/** The account scopes, and `admin` for the operator API (/admin/api/v1/...), which opens no account. */
export const Scope = z.enum(['callbacks:read', 'callbacks:write', 'events:write', 'deliveries:read', 'deliveries:write', 'admin']);
export type Scope = z.infer<typeof Scope>;

export const ServiceName = z.enum(['subscription-service', 'event-ingest', 'dispatcher', 'audit']);
export type ServiceName = z.infer<typeof ServiceName>;
