// The environment of subscription-service, parsed once at start; every bad variable is reported together.
import {
  AuthEnv,
  BooleanFlag,
  CommonEnv,
  DatabaseEnv,
  DeliveryEnv,
  DurationMs,
  NatsEnv,
  SecretsKeyEnv,
  StreamsEnv,
  parseEnv,
  portEnv,
} from '@hookmesh/config';
import { DEFAULT_PROFILE, ProfileName, parseSecretsKey, type SealingKey } from '@hookmesh/contracts';
import { z } from 'zod';

/** HOOKMESH_SECRETS_KEY parsed into keys here, so a malformed key is a ConfigError at start rather than a 500 later. */
const SealingKeys = SecretsKeyEnv.shape.HOOKMESH_SECRETS_KEY.transform((value, ctx): SealingKey[] => {
  try {
    return parseSecretsKey(value);
  } catch (error) {
    // parseSecretsKey's messages never contain key material.
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const SubscriptionOwnEnv = z.object({
  ...CommonEnv.shape,
  ...NatsEnv.shape,
  ...DatabaseEnv.shape,
  ...StreamsEnv.shape,
  ...portEnv(3001).shape,
  HOOKMESH_SECRETS_KEY: SealingKeys,
  /** Development only: allow http and loopback/private callback targets. */
  HOOKMESH_ALLOW_PRIVATE_TARGETS: BooleanFlag.default(false),
  /** How often pending KV state is retried (the fast path publishes right after each change). */
  HOOKMESH_KV_REPUBLISH_INTERVAL: DurationMs.default(5_000),
  /** How often expired holds and rotated-out secrets are pruned. */
  HOOKMESH_PRUNE_INTERVAL: DurationMs.default(60_000),
  /** How long a JetStream publish or KV write waits for its ack before giving up (503 on /test). */
  HOOKMESH_PUBLISH_TIMEOUT: DurationMs.default(5_000),
  /** The wire profile of a callback created without one. */
  HOOKMESH_DEFAULT_PROFILE: ProfileName.default(DEFAULT_PROFILE),
  /** The installation's delivery timeout: a callback's own timeout_ms may not exceed it. */
  HOOKMESH_DELIVERY_TIMEOUT: DeliveryEnv.shape.HOOKMESH_DELIVERY_TIMEOUT,
  /** How the `standard` profile names its headers and user agent (as the dispatcher sends them). */
  HOOKMESH_HEADER_PREFIX: DeliveryEnv.shape.HOOKMESH_HEADER_PREFIX,
  HOOKMESH_USER_AGENT: DeliveryEnv.shape.HOOKMESH_USER_AGENT,
  /** The web console's address, where portal links (POST /admin/api/v1/portal_links) point. */
  HOOKMESH_CONSOLE_URL: z
    .url({ message: 'must be the console\'s address, e.g. https://console.example.com' })
    .refine((value) => /^https?:$/.test(new URL(value).protocol) && new URL(value).hash === '', 'must be an http(s) URL without a fragment')
    .default('http://127.0.0.1:3000/'),
});

/** The whole schema: AuthEnv is a refined object, so it is intersected rather than spread. */
export const SubscriptionEnv = SubscriptionOwnEnv.and(AuthEnv);
export type SubscriptionEnv = z.infer<typeof SubscriptionEnv>;

/** Parses subscription-service's environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): SubscriptionEnv {
  return parseEnv('subscription-service', SubscriptionEnv, env);
}

/** Lines main.ts logs at warn level on start, so a development setting is never on unnoticed. */
export function startupWarnings(config: Pick<SubscriptionEnv, 'HOOKMESH_ALLOW_PRIVATE_TARGETS'>): string[] {
  return config.HOOKMESH_ALLOW_PRIVATE_TARGETS
    ? ['HOOKMESH_ALLOW_PRIVATE_TARGETS is on (DEVELOPMENT ONLY): callbacks may target loopback and private addresses, also over http; never enable it in production']
    : [];
}
