// Where a service's CPU time went: sums self time of a V8 .cpuprofile (node --cpu-prof) per function and per module.
// Run: TSX_TSCONFIG_PATH=tsconfig.base.json node --import tsx tools/bench/src/cpuprofile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

/** The module a script URL belongs to: an npm package name, node's internals, or the bundle itself. */
export function moduleOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = /dist\/apps\/([^/]+)\//.exec(url);
  return dist ? `(bundle ${dist[1]})` : url.replace(/^file:\/\//, '');
}

/** Self time in ms per function and per module, largest first. */
export function summariseProfile(profile: CpuProfile): { totalMs: number; functions: Array<[string, number]>; modules: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${moduleOf(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    modules.set(moduleOf(frame.url), (modules.get(moduleOf(frame.url)) ?? 0) + us);
    total += us;
  }
  const sorted = (map: Map<string, number>) => [...map].map(([key, us]): [string, number] => [key, us / 1000]).sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, functions: sorted(functions), modules: sorted(modules) };
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (ms: number) => `${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)} %`;
  console.log(`total sampled: ${(summary.totalMs / 1000).toFixed(1)} s\n\nself time by module:`);
  for (const [name, ms] of summary.modules.slice(0, top)) console.log(`${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\nself time by function:');
  for (const [name, ms] of summary.functions.slice(0, top)) console.log(`${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
}

if (require.main === module) main();
