// What the packaging is checked against: the repository's files, its workspaces, its services and their entry points.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ServiceName } from '@hookmesh/contracts';

/** The monorepo root (tools/deploy-checks/src → ../../..). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The four deployable services, in the order the design lists them. */
export const SERVICES: readonly ServiceName[] = ServiceName.options;

/** Absolute path of a repository-relative path. */
export function repoPath(relative: string): string {
  return path.join(repoRoot, relative);
}

/** Reads a repository file, failing with the path named when it is missing. */
export function readRepoFile(relative: string): string {
  const file = repoPath(relative);
  if (!existsSync(file)) throw new Error(`${relative} is missing`);
  return readFileSync(file, 'utf8');
}

type RootPackage = { version: string; workspaces: string[] };

/** The root package.json: the release version and the npm workspace globs. */
export function rootPackage(): RootPackage {
  const parsed = JSON.parse(readRepoFile('package.json')) as Partial<RootPackage>;
  if (typeof parsed.version !== 'string' || !Array.isArray(parsed.workspaces)) {
    throw new Error('package.json needs "version" and "workspaces"');
  }
  return { version: parsed.version, workspaces: parsed.workspaces };
}

/** Every npm workspace folder (relative, e.g. "libs/http") that holds a package.json. */
export function workspaceDirs(): string[] {
  return rootPackage()
    .workspaces.flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      return readdirSync(repoPath(parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`);
    })
    .filter((dir) => existsSync(repoPath(`${dir}/package.json`)))
    .sort();
}

/** Whether a service's main.ts exists and offers the `migrate` command (the migration Job and compose step run it). */
export function serviceEntryPoint(service: ServiceName): { file: string; exists: boolean; supportsMigrate: boolean } {
  const file = `apps/${service}/src/main.ts`;
  if (!existsSync(repoPath(file))) return { file, exists: false, supportsMigrate: false };
  const source = readFileSync(repoPath(file), 'utf8');
  return { file, exists: true, supportsMigrate: /['"]migrate['"]/.test(source) };
}

/** The command that starts a service in its image (docker/Dockerfile CMD): the esbuild bundle of tools/build/bundle.mjs. */
export function serviceCommand(service: ServiceName, ...args: string[]): string[] {
  return ['node', `dist/apps/${service}/main.js`, ...args];
}
