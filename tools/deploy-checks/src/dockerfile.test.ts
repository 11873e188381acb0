import { effective, envOf, parseCopy, parseDockerfile, producedPaths, stageChain } from './dockerfile';

const text = `# syntax=docker/dockerfile:1.7
ARG BASE=node:22-alpine
FROM \${BASE} AS deps
WORKDIR /repo
COPY package.json \\
     package-lock.json ./
RUN npm ci \\
  # a comment inside a continued RUN
  --omit=dev
FROM deps AS build
RUN node tools/build/bundle.mjs apps/api
FROM \${BASE} AS api
WORKDIR /app
COPY --from=deps /repo/node_modules/ node_modules/
COPY --from=build /repo/dist/apps/api/ dist/apps/api/
USER 1000:1000
CMD ["node", "dist/apps/api/main.js"]
`;

describe('parseDockerfile', () => {
  const dockerfile = parseDockerfile(text);

  it('resolves ARG defaults in FROM and names the stages', () => {
    expect(dockerfile.stages.map((stage) => [stage.name, stage.from])).toEqual([
      ['deps', 'node:22-alpine'],
      ['build', 'deps'],
      ['api', 'node:22-alpine'],
    ]);
    expect(stageChain(dockerfile, 'build').map((stage) => stage.name)).toEqual(['build', 'deps']);
  });

  it('joins continuation lines and skips comments inside them', () => {
    const run = dockerfile.stages[0]!.instructions.find((instruction) => instruction.keyword === 'RUN');
    expect(run?.args.replace(/\s+/g, ' ')).toBe('npm ci --omit=dev');
    expect(parseCopy(dockerfile.stages[0]!.instructions[1]!)).toMatchObject({ from: undefined, sources: ['package.json', 'package-lock.json'], destination: './' });
  });

  it('knows what each stage produces, so a COPY --from can be checked', () => {
    expect(producedPaths(dockerfile, 'deps')).toEqual(['/repo/package.json', '/repo/package-lock.json', '/repo/node_modules']);
    expect(producedPaths(dockerfile, 'build')).toContain('/repo/dist/apps/api');
    expect(producedPaths(dockerfile, 'api')).toEqual(['/app/node_modules', '/app/dist/apps/api']);
  });

  it('reads inherited settings along the chain', () => {
    expect(effective(dockerfile, 'api', 'USER')?.args).toBe('1000:1000');
    expect(effective(dockerfile, 'build', 'WORKDIR')?.args).toBe('/repo');
    expect(effective(dockerfile, 'deps', 'USER')).toBeUndefined();
  });
});

describe('envOf', () => {
  it("reads quoted and bare values along the chain, the stage's own winning", () => {
    const dockerfile = parseDockerfile(`FROM node:22 AS runtime
ENV PATH=/usr/local/bin:/bin \\
    NODE_OPTIONS="--enable-source-maps --max-old-space-size=160"
FROM runtime AS api
ENV PORT=3003 \\
    NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=32" GREETING="say \\"hi\\""
FROM runtime AS other
ENV PORT=3004
`);
    expect(envOf(dockerfile, 'api')).toEqual({ PATH: '/usr/local/bin:/bin', NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=32', PORT: '3003', GREETING: 'say "hi"' });
    expect(envOf(dockerfile, 'other')).toEqual({ PATH: '/usr/local/bin:/bin', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=160', PORT: '3004' });
  });
});
