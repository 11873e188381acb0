// Which test files need a Postgres and a NATS: the integration, end-to-end, fault, security and images suites.
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const INTEGRATION_SUITE = /\.(int|e2e|fault|security|images)\.test\.ts$/;

/** The integration suites under `root` (node_modules and dist skipped) that the path patterns select (all when none). */
export function integrationSuites(root: string, pathPatterns: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (INTEGRATION_SUITE.test(entry.name)) found.push(full);
    }
  };
  walk(root);
  const patterns = pathPatterns.map((pattern) => new RegExp(pattern, 'i'));
  return patterns.length === 0 ? found : found.filter((file) => patterns.some((pattern) => pattern.test(file)));
}
