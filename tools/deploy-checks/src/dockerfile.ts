// A Dockerfile reader good enough to check ours: stages, their instructions (continuations joined), ARG defaults.
import path from 'node:path';

export type Instruction = { keyword: string; args: string; line: number };
export type Stage = { name: string; from: string; instructions: Instruction[] };
export type Dockerfile = { args: Record<string, string>; stages: Stage[] };

/** Splits a Dockerfile into instructions: comments dropped, backslash continuations joined. */
export function readInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== '' && line.trim().startsWith('#')) return; // comments may sit inside a continued instruction
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: startLine });
  });
  return instructions;
}

/** Parses a Dockerfile into global ARG defaults and named stages. */
export function parseDockerfile(text: string): Dockerfile {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of readInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      const from = match[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => args[braced ?? bare ?? ''] ?? '');
      stages.push({ name: match[2] ?? String(stages.length), from, instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=');
      args[name!.trim()] = value.trim();
      continue;
    }
    current.instructions.push(instruction);
  }
  return { args, stages };
}

/** The stage and its ancestors (FROM another stage), the stage itself first. */
export function stageChain(dockerfile: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages.find((candidate) => candidate.name === name);
  while (stage !== undefined) {
    chain.push(stage);
    const parent = stage.from;
    stage = dockerfile.stages.find((candidate) => candidate.name === parent);
  }
  return chain;
}

/** The last value of an instruction along a stage's chain (USER, WORKDIR, CMD, HEALTHCHECK are inherited). */
export function effective(dockerfile: Dockerfile, stage: string, keyword: string): Instruction | undefined {
  for (const link of stageChain(dockerfile, stage)) {
    const found = link.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The variables a stage's ENV instructions set along its chain, the stage's own last (`ENV k=v k2="v 2"` form). */
export function envOf(dockerfile: Dockerfile, stage: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const link of stageChain(dockerfile, stage).reverse()) {
    for (const instruction of link.instructions.filter((candidate) => candidate.keyword === 'ENV')) {
      for (const match of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
        const raw = match[2]!;
        env[match[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      }
    }
  }
  return env;
}

/** The external base image a stage finally builds on. */
export function baseImage(dockerfile: Dockerfile, stage: string): string {
  return stageChain(dockerfile, stage).at(-1)?.from ?? '';
}

export type Copy = { from: string | undefined; sources: string[]; destination: string; line: number };

/** A COPY's --from, sources and destination (JSON or plain form; other flags ignored). */
export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.startsWith('[') ? (JSON.parse(instruction.args) as string[]) : instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  const destination = paths.at(-1);
  if (destination === undefined || paths.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { from, sources: paths.slice(0, -1), destination, line: instruction.line };
}

/** A path made absolute against the stage's working directory (its last WORKDIR along the chain). */
export function absoluteIn(dockerfile: Dockerfile, stage: string, relative: string): string {
  const workdir = effective(dockerfile, stage, 'WORKDIR')?.args ?? '/';
  const absolute = relative.startsWith('/') ? path.posix.normalize(relative) : path.posix.join(workdir, relative);
  return absolute.length > 1 ? absolute.replace(/\/$/, '') : absolute;
}

/** Paths a stage's chain creates: COPY destinations, node_modules from `npm ci`, dist/apps/<app> from bundle.mjs, service-deps.mjs output, `mkdir -p` folders. */
export function producedPaths(dockerfile: Dockerfile, stage: string): string[] {
  return stageChain(dockerfile, stage).flatMap((link) =>
    link.instructions.flatMap((instruction) => {
      if (instruction.keyword === 'COPY') {
        const copy = parseCopy(instruction);
        return copy.sources.map((source) =>
          copy.destination.endsWith('/') ? absoluteIn(dockerfile, link.name, path.posix.join(copy.destination, source.endsWith('/') ? '' : path.posix.basename(source))) : absoluteIn(dockerfile, link.name, copy.destination),
        );
      }
      if (instruction.keyword === 'RUN') {
        const outputs: string[] = [];
        if (/\bnpm ci\b/.test(instruction.args)) outputs.push(absoluteIn(dockerfile, link.name, 'node_modules'));
        for (const match of instruction.args.matchAll(/bundle\.mjs\s+(apps\/[\w-]+)/g)) outputs.push(absoluteIn(dockerfile, link.name, `dist/${match[1]}`));
        // tools/images/service-deps.mjs <out> <service>... writes <out>/<service>/node_modules.
        for (const match of instruction.args.matchAll(/service-deps\.mjs\s+(\S+)((?:\s+[\w-]+)+)/g)) {
          for (const service of match[2]!.trim().split(/\s+/)) outputs.push(absoluteIn(dockerfile, link.name, `${match[1]}/${service}/node_modules`));
        }
        for (const match of instruction.args.matchAll(/mkdir -p((?:\s+\/[^\s&;]+)+)/g)) {
          for (const made of match[1]!.trim().split(/\s+/)) outputs.push(absoluteIn(dockerfile, link.name, made));
        }
        return outputs;
      }
      return [];
    }),
  );
}
