// Completes package-lock.json with the other platforms' optional binaries (@swc/core-darwin-*,
// @unrs/resolver-binding-win32-*, …). A registry mirror that serves only this platform's
// binaries leaves them out, and `npm ci` then refuses the lockfile as out of sync. The added
// entries carry os/cpu/libc, so npm skips them on other platforms exactly as it would skip a
// full entry; on their own platform npm fetches them from the registry by name and version.
// Run after every `npm install`: node tools/lockfile/complete-optional.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const lockPath = path.resolve(import.meta.dirname, '..', '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = { arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', wasm32: 'wasm32', universal: null };

/** Guesses os/cpu/libc from a platform package name such as "@swc/core-linux-arm64-musl". */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.find((part) => part in CPU);
  if (!os && !cpu) return undefined;
  const libc = parts.includes('musl') || parts.includes('musleabihf') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu && CPU[cpu] ? { cpu: [CPU[cpu]] } : {}), ...(libc && os === 'linux' ? { libc: [libc] } : {}) };
}

function exactVersion(spec) {
  return /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec) ? spec : undefined;
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const version = exactVersion(spec);
    const platform = platformOf(name);
    if (!version || !platform) continue;
    packages[hoisted] = { version, ...platform, optional: true };
    added += 1;
  }
}

const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-optional: added ${added} platform entries to package-lock.json`);
