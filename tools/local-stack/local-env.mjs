// Secrets of the local stack, generated once into .data/local.env and reused by every run.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const dataDir = path.join(repoRoot, '.data');

/** Reads .data/local.env, creating it with fresh secrets on first use. */
export function loadLocalEnv() {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'local.env');
  if (!existsSync(file)) {
    const lines = [
      `HOOKMESH_JWT_SECRET=${randomBytes(32).toString('base64url')}`,
      `HOOKMESH_SECRETS_KEY=local1:${randomBytes(32).toString('base64')}`,
    ];
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
