// Bundles one app's src/main.ts (and the @hookmesh/* libraries it imports)
// into dist/<app>/main.js. npm packages stay external so production images
// install them with `npm ci --omit=dev` and OpenTelemetry can patch them.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/build/bundle.mjs <projectRoot>');
  process.exit(2);
}
const rootPkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(rootPkg.dependencies ?? {}), ...Object.keys(rootPkg.devDependencies ?? {})];

await build({
  entryPoints: { main: path.join(projectRoot, 'src', 'main.ts') },
  outdir: path.join('dist', projectRoot),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  tsconfig: 'tsconfig.base.json',
  external: external.flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});
console.log(`built ${projectRoot} -> dist/${projectRoot}/main.js`);
