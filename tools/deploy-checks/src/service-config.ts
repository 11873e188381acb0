// Each service's own environment schema (apps/<svc>/src/config.ts), loaded the way main.ts uses it, so the
// packaging is checked against what the code really requires rather than a copy of it.
import { existsSync } from 'node:fs';
import { parseEnv } from '@hookmesh/config';
import type { ServiceName } from '@hookmesh/contracts';
import { z } from 'zod';
import { repoPath } from './repo';

export type Env = Record<string, string | undefined>;

export type ServiceConfig = {
  service: ServiceName;
  /** Parses an environment exactly as the service does at start; throws ConfigError naming every bad variable. */
  parse(env: Env): Record<string, unknown>;
  /** Every variable name the service's schema reads. */
  knownVariables: ReadonlySet<string>;
};

/** Variable names of a zod env schema: objects, their intersections (AuthEnv is joined with .and) and transforms. */
export function schemaVariables(schema: unknown): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return schemaVariables(schema.in);
  if (schema instanceof z.ZodIntersection) return [...schemaVariables(schema._zod.def.left), ...schemaVariables(schema._zod.def.right)];
  return [];
}

function isModule(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Loads apps/<service>/src/config.ts through its `@hookmesh/<service>/config` alias. Accepts a `loadConfig(env)`
 * (or any `load…Config(env)`) export, else a single exported zod schema parsed with @hookmesh/config's parseEnv.
 */
export async function loadServiceConfig(service: ServiceName): Promise<ServiceConfig> {
  const file = `apps/${service}/src/config.ts`;
  if (!existsSync(repoPath(file))) {
    throw new Error(`${file} is missing: ${service}'s environment cannot be checked (it must export loadConfig(env) or its zod env schema)`);
  }
  // A computed specifier, so a service still being written cannot break this project's type check.
  const loaded: unknown = await import(`@hookmesh/${service}/config`);
  if (!isModule(loaded)) throw new Error(`${file} did not load as a module`);
  const exports = Object.entries(loaded);
  const schemas = exports.map(([, value]) => value).filter((value): value is z.ZodType => value instanceof z.ZodType);
  const knownVariables = new Set(schemas.flatMap((schema) => schemaVariables(schema)));
  const loader = exports.find(([name, value]) => /^load\w*Config$/.test(name) && typeof value === 'function');

  if (loader !== undefined) {
    const load = loader[1] as (env: Env) => unknown;
    return { service, knownVariables, parse: (env) => load(env) as Record<string, unknown> };
  }
  const [schema, ...others] = schemas;
  if (schema === undefined || others.length > 0) {
    throw new Error(`${file} exports no load…Config(env) function and ${schemas.length} zod schemas; export loadConfig(env)`);
  }
  return { service, knownVariables, parse: (env) => parseEnv(service, schema, env) as Record<string, unknown> };
}

/** Variables set by the platform or the image rather than read through the schema (NATS_PASSWORD composes NATS_URL). */
export const PLATFORM_VARIABLES: ReadonlySet<string> = new Set(['NODE_OPTIONS', 'NATS_PASSWORD']);
