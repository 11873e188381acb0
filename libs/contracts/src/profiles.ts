// Wire profiles: what a receiver sees (body shape, header names, signature scheme, user agent, delivery defaults),
// so Hookmesh can deliver exactly what MasonHub, ModusLink or Malomo receivers already accept.
import { z } from 'zod';
import { DEFAULT_HEADER_PREFIX, DEFAULT_USER_AGENT } from './headers';

/** RFC 9110 token characters: a valid header field name. */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** Headers a profile may not name: HTTP itself and Hookmesh set them, and a second value would break the request. */
export const RESERVED_HEADER_NAMES = ['content-type', 'content-length', 'host', 'user-agent', 'traceparent', 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

const RESERVED = new Set<string>(RESERVED_HEADER_NAMES);

export const HeaderName = z
  .string({ error: 'a header name must be a string' })
  .regex(HEADER_NAME_PATTERN, { error: (issue) => `${JSON.stringify(issue.input)} is not a valid HTTP header name (RFC 9110 token, 1-64 characters)` })
  .refine((name) => !RESERVED.has(name.toLowerCase()), { error: (issue) => `${JSON.stringify(issue.input)} is set by HTTP or Hookmesh itself and cannot be a profile header` });

/** Profile names: safe as a KV key part and a path segment. */
export const PROFILE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const ProfileName = z
  .string({ error: 'profile must be a string' })
  .regex(PROFILE_NAME_PATTERN, { error: (issue) => `profile ${JSON.stringify(issue.input)} is not a valid name: 1-32 lower-case letters, digits, "_" or "-", starting with a letter` });

/** Most attempts any schedule may have, and the longest single wait, whoever asks (the installation's limits). */
export const MAX_SCHEDULE_ATTEMPTS = 20;
export const MAX_SCHEDULE_DELAY_MS = 24 * 3_600_000;

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a schedule ("0,5s,5m,30m": the delay before each attempt); a list of issues when it is not one. */
export function parseRetrySchedule(text: string): { ok: true; delaysMs: number[] } | { ok: false; message: string } {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part.length === 0)) return { ok: false, message: 'a schedule is a comma-separated list of delays such as "0,5m,30m"' };
  const delaysMs: number[] = [];
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(part);
    if (match === null) return { ok: false, message: `"${part}" is not a delay (use e.g. 0, 500ms, 5s, 5m, 2h)` };
    delaysMs.push(Math.round(Number(match[1]) * DURATION_UNIT_MS[match[2] ?? 'ms']!));
  }
  if (delaysMs.length > MAX_SCHEDULE_ATTEMPTS) return { ok: false, message: `a schedule has at most ${MAX_SCHEDULE_ATTEMPTS} attempts` };
  if (delaysMs.some((delay) => delay > MAX_SCHEDULE_DELAY_MS)) return { ok: false, message: 'no delay of a schedule may be longer than 24h' };
  return { ok: true, delaysMs };
}

/** A retry schedule as the API carries it: the delay before each attempt, comma-separated. */
export const RetrySchedule = z
  .string({ error: 'a retry schedule must be a string such as "0,5m,5m"' })
  .max(400, 'a retry schedule must be at most 400 characters')
  .superRefine((text, ctx) => {
    const parsed = parseRetrySchedule(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  });

/** Per-attempt HTTP timeouts a callback or profile may ask for (the installation's timeout still bounds them). */
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 120_000;
export const TimeoutMs = z
  .number({ error: 'timeout_ms must be a number of milliseconds' })
  .int('timeout_ms must be an integer')
  .min(MIN_TIMEOUT_MS, `timeout_ms must be at least ${MIN_TIMEOUT_MS}`)
  .max(MAX_TIMEOUT_MS, `timeout_ms must be at most ${MAX_TIMEOUT_MS}`);

export const BodySignature = z.strictObject({
  header: HeaderName,
  encoding: z.enum(['base64', 'hex'], { error: 'encoding must be "base64" or "hex"' }),
  /** Written before each value (`sha256=`); at most 32 printable characters. */
  prefix: z.string().regex(/^[\x21-\x2b\x2d-\x7e]{1,32}$/, 'prefix must be 1-32 printable characters without spaces or commas').optional(),
});
export type BodySignature = z.infer<typeof BodySignature>;

export const ProfileHeaders = z.strictObject({
  event: HeaderName.optional(),
  delivery: HeaderName.optional(),
  attempt: HeaderName.optional(),
  callback_id: HeaderName.optional(),
  timestamp: HeaderName.optional(),
  sequence: HeaderName.optional(),
  /** Sent on a redelivery only: which redelivery series (1, 2, …) the attempt belongs to; the attempt number restarts at 1. */
  redelivery: HeaderName.optional(),
});
export type ProfileHeaders = z.infer<typeof ProfileHeaders>;

const WireProfileFields = z.strictObject({
  /** `envelope` (callback_url, message_type, message_id, api_version, token?, data), `data` alone, or a `thin` reference. */
  body: z.enum(['envelope', 'data', 'thin'], { error: 'body must be "envelope", "data" or "thin"' }),
  /** Names of the per-delivery headers; one left out is not sent. */
  headers: ProfileHeaders,
  /** HMAC-SHA256 of the raw body in one header (one value per live secret, comma-separated, newest first), or none. */
  body_signature: BodySignature.nullable(),
  /** Send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks v1). */
  standard_webhooks: z.boolean({ error: 'standard_webhooks must be true or false' }),
  /** `whsec` (the HMAC key is the base64-decoded bytes) or `plain` (32+ URL-safe characters; the key is their UTF-8 bytes). */
  secret_format: z.enum(['whsec', 'plain'], { error: 'secret_format must be "whsec" or "plain"' }),
  /** `optional`: a callback may be created with "signed": false and then gets no signature header at all. */
  signing: z.enum(['required', 'optional'], { error: 'signing must be "required" or "optional"' }),
  user_agent: z.string().regex(/^[\x20-\x7e]{1,200}$/, 'user_agent must be 1-200 printable ASCII characters'),
  retry_schedule: RetrySchedule.optional(),
  timeout_ms: TimeoutMs.optional(),
});

/** Issues a profile's fields cannot show one by one: header names that collide, Standard Webhooks with plain secrets. */
function crossFieldIssues(profile: z.infer<typeof WireProfileFields>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const named: Array<[string, string | undefined]> = [
    ...Object.entries(profile.headers).map(([key, value]): [string, string | undefined] => [`headers.${key}`, value]),
    ['body_signature.header', profile.body_signature?.header],
  ];
  for (const [path, name] of named) {
    if (name === undefined) continue;
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', path: path.split('.'), message: `${JSON.stringify(name)} is already the header of ${other}; each header needs its own name` });
    }
    seen.set(name.toLowerCase(), path);
  }
  if (profile.standard_webhooks && profile.secret_format !== 'whsec') {
    ctx.addIssue({ code: 'custom', path: ['secret_format'], message: 'Standard Webhooks needs "whsec" secrets (its libraries decode the key from base64)' });
  }
  if (profile.body_signature === null && !profile.standard_webhooks && profile.signing === 'required') {
    ctx.addIssue({ code: 'custom', path: ['signing'], message: 'a profile with no signature scheme cannot require signing: set body_signature or standard_webhooks' });
  }
}

/** A wire profile, as PUT /admin/api/v1/profiles/{name} takes it and the subscription state carries it. */
export const WireProfile = WireProfileFields.superRefine(crossFieldIssues);
export type WireProfile = z.infer<typeof WireProfile>;

export const BUILTIN_PROFILE_NAMES = ['standard', 'masonhub', 'moduslink', 'malomo'] as const;
export type BuiltinProfileName = (typeof BUILTIN_PROFILE_NAMES)[number];
export const DEFAULT_PROFILE: BuiltinProfileName = 'standard';

const BUILTIN_PROFILE_SET: ReadonlySet<string> = new Set(BUILTIN_PROFILE_NAMES);

/** Whether `name` is one of the four built-in (read-only) profiles. */
export function isBuiltinProfile(name: string): name is BuiltinProfileName {
  return BUILTIN_PROFILE_SET.has(name);
}

/** How the installation names Hookmesh's own headers (HOOKMESH_HEADER_PREFIX, HOOKMESH_USER_AGENT): the `standard` profile's. */
export interface InstallationNaming {
  headerPrefix: string;
  userAgent: string;
}

export const DEFAULT_NAMING: InstallationNaming = { headerPrefix: DEFAULT_HEADER_PREFIX, userAgent: DEFAULT_USER_AGENT };

/**
 * The four built-in profiles. `standard` takes the installation's header prefix and user agent; the others are
 * fixed by the systems they reproduce (MasonHub, ModusLink, Malomo). Schedules left out follow HOOKMESH_RETRY_SCHEDULE.
 */
export function builtinProfiles(naming: InstallationNaming = DEFAULT_NAMING): Record<BuiltinProfileName, WireProfile> {
  const prefix = naming.headerPrefix;
  return {
    standard: {
      body: 'envelope',
      headers: {
        event: `${prefix}-Event`,
        delivery: `${prefix}-Delivery`,
        attempt: `${prefix}-Attempt`,
        callback_id: `${prefix}-Callback-Id`,
        sequence: `${prefix}-Sequence`,
        redelivery: `${prefix}-Redelivery`,
      },
      body_signature: { header: `${prefix}-HMAC-SHA256`, encoding: 'base64' },
      standard_webhooks: true,
      secret_format: 'whsec',
      signing: 'required',
      user_agent: naming.userAgent,
    },
    // Seeds 000-002: MasonHub's own header names and user agent; the body is the envelope.
    masonhub: {
      body: 'envelope',
      headers: { event: 'X-MasonHub-Event', delivery: 'X-MasonHub-Delivery', attempt: 'X-MasonHub-Attempt', sequence: 'X-MasonHub-Sequence' },
      body_signature: { header: 'X-MasonHub-HMAC-SHA256', encoding: 'base64' },
      standard_webhooks: true,
      secret_format: 'whsec',
      signing: 'required',
      user_agent: 'MasonHub-Webhook/1.0',
      timeout_ms: 30_000,
    },
    // Seed 003: a light reference body, one base64 HMAC header, "retried 5 times with 5 minute intervals".
    moduslink: {
      body: 'thin',
      headers: {},
      body_signature: { header: 'X-Moduslink-HMAC-SHA256', encoding: 'base64' },
      standard_webhooks: false,
      secret_format: 'plain',
      signing: 'required',
      user_agent: naming.userAgent,
      retry_schedule: '0,5m,5m,5m,5m,5m',
    },
    // Seed 004: the resource itself as the body, Malomo's headers, a hex signature only when the webhook has a
    // secret, "up to 10 times over a 24 hour period", a 10 s timeout.
    malomo: {
      body: 'data',
      headers: { attempt: 'Malomo-Attempt-Number', event: 'Malomo-Topic', callback_id: 'Malomo-Webhook-Id' },
      body_signature: { header: 'Malomo-Signature', encoding: 'hex' },
      standard_webhooks: false,
      secret_format: 'plain',
      signing: 'optional',
      user_agent: 'Malomo-Webhook-Agent/2.0',
      retry_schedule: '0,1m,5m,15m,30m,1h,2h,4h,6h,10h',
      timeout_ms: 10_000,
    },
  };
}

/** A profile as the operator API answers it: its fields plus its name and whether it is built in. */
export const Profile = WireProfileFields.extend({
  name: ProfileName,
  builtin: z.boolean(),
  /** Grows by one with every PUT that changes a custom profile; built-in profiles are version 1. */
  version: z.number().int().positive(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Profile = z.infer<typeof Profile>;

export const ProfilesResponse = z.object({ profiles: z.array(Profile) });
export type ProfilesResponse = z.infer<typeof ProfilesResponse>;

export const ProfileParams = z.strictObject({ name: ProfileName });
export type ProfileParams = z.infer<typeof ProfileParams>;
