// docker/compose.yaml as Docker Compose sees it: YAML merge keys applied, ${VAR:-default} interpolated.
import YAML from 'yaml';

export type ComposeService = {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  restart?: string;
  read_only?: boolean;
  stop_grace_period?: string;
};
export type ComposeFile = { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

/** Replaces ${VAR}, ${VAR:-default} and ${VAR-default} the way Compose does, from `variables` (empty by default). */
export function interpolate(text: string, variables: Record<string, string> = {}): string {
  return text.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_, name: string, operator: string | undefined, fallback: string | undefined) => {
    const value = variables[name];
    if (operator === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (operator === '-') return value === undefined ? (fallback ?? '') : value;
    return value ?? '';
  });
}

/** Parses a compose file after interpolation, with YAML merge keys (`<<: *anchor`) applied. */
export function parseCompose(text: string, variables: Record<string, string> = {}): ComposeFile {
  const parsed: unknown = YAML.parse(interpolate(text, variables), { merge: true });
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { services?: unknown }).services !== 'object') {
    throw new Error('compose file has no services');
  }
  return parsed as ComposeFile;
}

/** A service's environment as strings, as the container receives it. */
export function composeEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
}

/** The container side of each published port ("3001:3001" → 3001). */
export function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)?.split('/')[0]));
}
