// The environment of subscription-service, parsed once at start; every bad variable is reported together.
import {
  AuthEnv,
  BooleanFlag,
  CommonEnv,
  DatabaseEnv,
  DeliveryEnv,
  DurationMs,
  NatsEnv,
  developmentSwitchWarnings,
  SecretsKeyEnv,
  StreamsEnv,
  parseEnv,
  portEnv,
} from '@hookmesh/config';
import { DEFAULT_MAX_RATE_PER_SECOND, DEFAULT_PROFILE, ProfileName, parseSecretsKey, type SealingKey } from '@hookmesh/contracts';
import { z } from 'zod';
import { SERVICE_NAME } from './service-name';

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

/** "25, 6379" as a set of ports; every bad entry is named. */
const PortList = z.string().transform((value, ctx): ReadonlySet<number> => {
  const ports = new Set<number>();
  for (const part of value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)) {
    const port = Number(part);
    if (!/^\d{1,5}$/.test(part) || port < 1 || port > 65535) ctx.addIssue({ code: 'custom', message: `"${part}" is not a port (1-65535)` });
    else ports.add(port);
  }
  return ports;
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
  /**
   * Ports of the well-known non-web services (SSH, SMTP, databases, ...) callbacks may use after all, comma-separated
   * (e.g. "25,6379"); by default none, and such a callback URL is refused with 400 port_not_allowed.
   */
  HOOKMESH_ALLOWED_CALLBACK_PORTS: PortList.default(new Set<number>()),
  /** How often pending KV state is retried (the fast path publishes right after each change). */
  HOOKMESH_KV_REPUBLISH_INTERVAL: DurationMs.default(5_000),
  /** How often expired holds and rotated-out secrets are pruned. */
  HOOKMESH_PRUNE_INTERVAL: DurationMs.default(60_000),
  /** The budget of a publish a request waits on (/test answers 503 past it), retries included; also each KV write's wait for its ack. */
  HOOKMESH_PUBLISH_TIMEOUT: DurationMs.default(5_000),
  /** The wire profile of a callback created without one. */
  HOOKMESH_DEFAULT_PROFILE: ProfileName.default(DEFAULT_PROFILE),
  /** The installation's delivery timeout: a callback's own timeout_ms may not exceed it. */
  HOOKMESH_DELIVERY_TIMEOUT: DeliveryEnv.shape.HOOKMESH_DELIVERY_TIMEOUT,
  /** The highest rate_limit a callback may ask for, per second (per minute: 60 times it). */
  HOOKMESH_MAX_RATE_PER_SECOND: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').default(DEFAULT_MAX_RATE_PER_SECOND),
  /** How the `standard` profile names its headers and user agent (as the dispatcher sends them). */
  HOOKMESH_HEADER_PREFIX: DeliveryEnv.shape.HOOKMESH_HEADER_PREFIX,
  HOOKMESH_USER_AGENT: DeliveryEnv.shape.HOOKMESH_USER_AGENT,
  /** Callbacks one account may hold (active and disabled): each one multiplies every event's deliveries. */
  HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT: z.coerce.number().int('must be a whole number').min(1).default(100),
  /** Callbacks of one message type one account may hold: the fan-out of one event. */
  HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE: z.coerce.number().int('must be a whole number').min(1).default(25),
  /** The web console's address, where portal links (POST /admin/api/v1/portal_links) point. */
  HOOKMESH_CONSOLE_URL: z
    .url({ message: 'must be the console\'s address, e.g. https://console.example.com' })
    .refine((value) => /^https?:$/.test(new URL(value).protocol) && new URL(value).hash === '', 'must be an http(s) URL without a fragment')
    .default('http://127.0.0.1:3000/'),
}).refine((env) => env.HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE <= env.HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT, {
  message: 'must not exceed HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT',
  path: ['HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE'],
});

/** The whole schema: AuthEnv is a refined object, so it is intersected rather than spread. */
export const SubscriptionEnv = SubscriptionOwnEnv.and(AuthEnv);
export type SubscriptionEnv = z.infer<typeof SubscriptionEnv>;

/** Parses subscription-service's environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): SubscriptionEnv {
  return parseEnv(SERVICE_NAME, SubscriptionEnv, env);
}

/** Lines main.ts logs at warn level on start, so a development setting is never on unnoticed. */
export function startupWarnings(config: Pick<SubscriptionEnv, 'HOOKMESH_ALLOW_PRIVATE_TARGETS' | 'HOST'>): string[] {
  return developmentSwitchWarnings(config);
}
