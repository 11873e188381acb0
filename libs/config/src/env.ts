import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's schema; lists every bad variable. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: ReadonlyArray<{ variable: string; message: string }>,
  ) {
    super(
      `${service}: invalid configuration\n` +
        problems.map((problem) => `  - ${problem.variable}: ${problem.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment with a zod object schema; throws ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings mean "unset" so `FOO= node main.js` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.length > 0 ? issue.path.join('.') : '(environment)',
    message: issue.message,
  }));
  throw new ConfigError(service, problems);
}

/** "true/false/1/0/yes/no" as a boolean. */
export const BooleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A TCP port. */
export const Port = z.coerce.number().int().min(0).max(65535);

/**
 * Runs a service's config loader; on a ConfigError prints every bad variable and exits with 78
 * (EX_CONFIG): a restart loop will not fix a wrong environment, so the orchestrator should see it plainly.
 */
export function loadConfigOrExit<T>(load: (env: Record<string, string | undefined>) => T, env: Record<string, string | undefined> = process.env): T {
  try {
    return load(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
