// Copies, for each service, only the npm packages its bundle requires (and theirs, transitively) out of a
// production node_modules: what `npm ci --omit=dev` installs for the whole monorepo is more than any one
// service loads (the dispatcher has no Postgres, event-ingest no undici).
//   node tools/images/service-deps.mjs <out-dir> <service>...   (run where node_modules/ and dist/apps/ are)
// Writes <out-dir>/<service>/node_modules. A package the closure needs but node_modules lacks fails the build.
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);

/** Package names a bundle requires at run time (esbuild leaves npm packages as `require("name/sub")`). */
export function requiredPackages(bundle) {
  const names = new Set();
  for (const match of bundle.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const specifier = match[1];
    if (specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0])) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  return [...names].sort();
}

/** Where Node would find package `name` from a package folder: its own node_modules, then each parent's. */
function resolvePackage(root, fromDir, name) {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    // Up past the enclosing node_modules/<pkg> (or node_modules/@scope/<pkg>) to the folder that holds it.
    const parent = path.dirname(dir);
    dir = path.basename(parent).startsWith('@') ? path.dirname(path.dirname(parent)) : path.dirname(parent);
    if (!dir.startsWith(root)) return undefined;
  }
}

/**
 * Every package folder (relative to root) that the named packages need at run time: dependencies, installed
 * optional dependencies and installed peers. Type-only packages (@types/*) hold no code and are left out.
 */
export function packageClosure(root, names) {
  const found = new Set();
  const queue = names.map((name) => ({ from: root, name, optional: false, requiredBy: 'the bundle' }));
  while (queue.length > 0) {
    const { from, name, optional, requiredBy } = queue.shift();
    if (name.startsWith('@types/')) continue;
    const dir = resolvePackage(root, from, name);
    if (dir === undefined) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${requiredBy}) is not in ${path.join(root, 'node_modules')}`);
    }
    const relative = path.relative(root, dir);
    if (found.has(relative)) continue;
    found.add(relative);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const peersOptional = manifest.peerDependenciesMeta ?? {};
    const next = [
      ...Object.keys(manifest.dependencies ?? {}).map((dep) => ({ dep, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((dep) => ({ dep, optional: true })),
      ...Object.keys(manifest.peerDependencies ?? {}).map((dep) => ({ dep, optional: peersOptional[dep]?.optional === true })),
    ];
    for (const { dep, optional: depOptional } of next) queue.push({ from: dir, name: dep, optional: depOptional, requiredBy: manifest.name });
  }
  return [...found].sort();
}

function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(full) : statSync(full).size;
  }
  return total;
}

/** Copies the closure of one service's bundle into <out>/<service>/node_modules. */
export function copyServiceDeps(root, out, service) {
  const bundle = readFileSync(path.join(root, 'dist', 'apps', service, 'main.js'), 'utf8');
  const folders = packageClosure(root, requiredPackages(bundle));
  const target = path.join(out, service);
  mkdirSync(target, { recursive: true });
  for (const folder of folders) {
    // A package's own nested node_modules holds other packages, copied only when the closure has them.
    cpSync(path.join(root, folder), path.join(target, folder), {
      recursive: true,
      filter: (source) => path.relative(path.join(root, folder), source).split(path.sep)[0] !== 'node_modules',
    });
  }
  return { packages: folders.length, bytes: sizeOf(target) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, ...services] = process.argv.slice(2);
  if (!out || services.length === 0) {
    console.error('usage: node tools/images/service-deps.mjs <out-dir> <service>...');
    process.exit(2);
  }
  for (const service of services) {
    const { packages, bytes } = copyServiceDeps(process.cwd(), out, service);
    console.log(`${service}: ${packages} packages, ${(bytes / 1e6).toFixed(1)} MB of node_modules`);
  }
}
