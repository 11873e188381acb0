// docker/Dockerfile and docker/compose.yaml, read and cross-checked against the repository and the services' code.
import { existsSync } from 'node:fs';
import YAML from 'yaml';
import type { ServiceName } from '@hookmesh/contracts';
import { composeEnv, containerPorts, parseCompose, type ComposeFile, type ComposeService } from './compose';
import { baseImage, effective, parseCopy, parseDockerfile, producedPaths, stageChain, type Dockerfile } from './dockerfile';
import { readRepoFile, repoPath, rootPackage, serviceCommand, serviceEntryPoint, SERVICES, workspaceDirs } from './repo';
import { loadServiceConfig, PLATFORM_VARIABLES } from './service-config';

const dockerfile: Dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));
/** Every image the Dockerfile makes: the four services and the web console (checked on its own in console.test.ts). */
const IMAGES = [...SERVICES, 'console'];
const dockerignore = readRepoFile('docker/Dockerfile.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.length > 0 && !line.startsWith('#'));
const compose: ComposeFile = parseCompose(readRepoFile('docker/compose.yaml'));

function stage(name: string) {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`docker/Dockerfile has no stage named ${name}`);
  return found;
}

function execForm(args: string): string[] {
  if (!args.startsWith('[')) throw new Error(`expected the exec (JSON) form, got: ${args}`);
  return JSON.parse(args) as string[];
}

/** Whether a build-context path would be left out by docker/Dockerfile.dockerignore (top-level and ** / patterns). */
function ignoredByContext(source: string): boolean {
  const first = source.replace(/^\.\//, '').split('/')[0]!;
  return dockerignore.some((pattern) => !pattern.startsWith('!') && (pattern === first || (pattern.startsWith('**/') && source.split('/').includes(pattern.slice(3)))));
}

describe('docker/Dockerfile', () => {
  it('builds on Node 22 and has the shared stages plus one stage per service', () => {
    const names = dockerfile.stages.map((candidate) => candidate.name);
    expect(names).toEqual(expect.arrayContaining(['manifests', 'prod-deps', 'build', 'service-deps', 'node-runtime', 'runtime', ...SERVICES]));
    const fromScratch = names.filter((name) => baseImage(dockerfile, name) === 'scratch');
    for (const name of names.filter((candidate) => !fromScratch.includes(candidate))) expect(baseImage(dockerfile, name)).toMatch(/^node:22[.-][\w.-]*(slim|alpine)/);
    // The runtime is assembled from the Node 22 image's own files: nothing else goes into it.
    expect(fromScratch.sort()).toEqual(['runtime', ...IMAGES].sort());
    const runtimeCopies = stage('runtime').instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => parseCopy(instruction));
    expect(runtimeCopies.map((copy) => copy.from)).toEqual(['node-runtime']);
    expect(baseImage(dockerfile, 'node-runtime')).toMatch(/^node:22[.-]/);
  });

  it('names no BuildKit frontend (`# syntax=`), which would be fetched from a registry and fail offline', () => {
    expect(readRepoFile('docker/Dockerfile')).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('puts into the runtime the node binary, the libraries ldd names for it, the users and the `sleep` the preStop hooks run', () => {
    const gather = stage('node-runtime').instructions.find((instruction) => instruction.keyword === 'RUN')?.args ?? '';
    expect(gather).toMatch(/cp \/usr\/local\/bin\/node \/rootfs\/usr\/local\/bin\/node/);
    expect(gather).toMatch(/ldd \/usr\/local\/bin\/node/);
    expect(gather).toMatch(/\/etc\/passwd/);
    // Every command a Kubernetes exec hook runs in a service container must exist in an image without a shell.
    const hooks = SERVICES.flatMap((service) =>
      YAML.parseAllDocuments(readRepoFile(`k8s/base/${service}.yaml`))
        .map((document) => document.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Array<{ lifecycle?: { preStop?: { exec?: { command?: string[] } } } }> } } } })
        .filter((object) => object.kind === 'Deployment')
        .flatMap((deployment) => deployment.spec?.template?.spec?.containers ?? [])
        .flatMap((container) => container.lifecycle?.preStop?.exec?.command?.slice(0, 1) ?? []),
    );
    expect(hooks.length).toBeGreaterThan(0);
    for (const command of new Set(hooks)) expect(gather).toMatch(new RegExp(`cp /bin/${command} /rootfs/bin/${command}`));
  });

  it('copies only sources that exist in the repository and the build context keeps', () => {
    const problems = dockerfile.stages.flatMap((candidate) =>
      candidate.instructions
        .filter((instruction) => instruction.keyword === 'COPY')
        .map((instruction) => parseCopy(instruction))
        .filter((copy) => copy.from === undefined)
        .flatMap((copy) => copy.sources.filter((source) => !existsSync(repoPath(source)) || ignoredByContext(source)).map((source) => `line ${copy.line}: ${source}`)),
    );
    expect(problems).toEqual([]);
  });

  it('copies from earlier stages only what those stages produced', () => {
    const problems = dockerfile.stages.flatMap((candidate) =>
      candidate.instructions
        .filter((instruction) => instruction.keyword === 'COPY')
        .map((instruction) => parseCopy(instruction))
        .filter((copy) => copy.from !== undefined)
        .flatMap((copy) => {
          const produced = producedPaths(dockerfile, copy.from!);
          return copy.sources
            .map((source) => source.replace(/\/$/, ''))
            .filter((source) => !produced.some((made) => source === made || source.startsWith(`${made}/`) || made.startsWith(`${source}/`)))
            .map((source) => `line ${copy.line}: ${source} is not made by stage ${copy.from}`);
        }),
    );
    expect(problems).toEqual([]);
  });

  it('copies the manifest of every npm workspace, so `npm ci` matches the lockfile', () => {
    const copied = stage('manifests')
      .instructions.filter((instruction) => instruction.keyword === 'COPY')
      .flatMap((instruction) => parseCopy(instruction).sources)
      .filter((source) => source.endsWith('/package.json'))
      .map((source) => source.slice(0, -'/package.json'.length))
      .sort();
    expect(copied).toEqual(workspaceDirs());
    expect(stage('manifests').instructions.some((instruction) => instruction.keyword === 'COPY' && instruction.args.includes('package-lock.json'))).toBe(true);
  });

  it('installs production dependencies without dev packages for the images, and bundles every service in the build stage', () => {
    const install = stage('prod-deps').instructions.find((instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args));
    expect(install?.args).toMatch(/--omit=dev/);
    const bundled = [...stage('build').instructions.flatMap((instruction) => [...instruction.args.matchAll(/bundle\.mjs\s+apps\/([\w-]+)/g)].map((match) => match[1]))];
    expect(bundled.sort()).toEqual([...IMAGES].sort());
  });

  it('picks each service’s own packages out of the production install, by what its bundle requires', () => {
    expect(stageChain(dockerfile, 'service-deps').map((link) => link.name)).toContain('prod-deps');
    const picked = stage('service-deps').instructions.flatMap((instruction) => {
      const match = /service-deps\.mjs\s+(\S+)\s+([\w\s-]+)/.exec(instruction.args);
      return match ? match[2]!.trim().split(/\s+/) : [];
    });
    expect(picked.sort()).toEqual([...IMAGES].sort());
  });

  it.each(SERVICES)('makes the %s image from the Node runtime, its bundle and its own production packages only, as a non-root user', (service) => {
    const chain = stageChain(dockerfile, service).map((link) => link.name);
    expect(chain).toContain('runtime');
    const copies = stageChain(dockerfile, service).flatMap((link) => link.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => parseCopy(instruction)));
    for (const copy of copies) {
      const allowed =
        (copy.from === 'node-runtime' && copy.sources.every((source) => source.replace(/\/$/, '') === '/rootfs')) ||
        (copy.from === 'service-deps' && copy.sources.every((source) => source.replace(/\/$/, '') === `/deps/${service}/node_modules`)) ||
        (copy.from === 'build' && copy.sources.every((source) => source.replace(/\/$/, '').endsWith(`dist/apps/${service}`)));
      expect({ line: copy.line, sources: copy.sources, allowed }).toEqual({ line: copy.line, sources: copy.sources, allowed: true });
    }
    const user = effective(dockerfile, service, 'USER')?.args ?? 'root';
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/); // numeric, so Kubernetes' runAsNonRoot can verify it
  });

  it.each(SERVICES)('starts %s with node as PID 1, exposes its configured port and checks /healthz', async (service) => {
    const config = await loadServiceConfig(service);
    const port = config.parse({ NATS_URL: 'nats://nats:4222', DATABASE_URL: 'postgres://u@db:5432/d', HOOKMESH_JWT_SECRET: 'x'.repeat(40), HOOKMESH_SECRETS_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}` })['PORT'];
    expect(effective(dockerfile, service, 'ENTRYPOINT')).toBeUndefined();
    expect(execForm(effective(dockerfile, service, 'CMD')!.args)).toEqual(serviceCommand(service));
    expect(producedPaths(dockerfile, service)).toContain(`/app/dist/apps/${service}`);
    expect(effective(dockerfile, service, 'EXPOSE')?.args).toBe(String(port));
    expect(effective(dockerfile, service, 'ENV')?.args).toContain(`PORT=${String(port)}`);
    const healthcheck = effective(dockerfile, service, 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/CMD \[/);
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('process.env.PORT');
  });
});

/** The host address of a published port ("127.0.0.1:4222:4222"); a bare "4222:4222" publishes on every interface. */
function hostAddress(mapping: string): string {
  const parts = String(mapping).split(':');
  return parts.length >= 3 ? parts.slice(0, -2).join(':') : '0.0.0.0';
}

function hookmeshService(name: string): ServiceName | undefined {
  const image = compose.services[name]?.image ?? '';
  return SERVICES.find((service) => image.startsWith(`ghcr.io/hookmesh/${service}:`));
}

async function expectEnvAccepted(service: ServiceName, composeService: ComposeService): Promise<Record<string, unknown>> {
  const config = await loadServiceConfig(service);
  const env = composeEnv(composeService);
  expect(Object.keys(env).filter((name) => !config.knownVariables.has(name) && !PLATFORM_VARIABLES.has(name))).toEqual([]);
  return config.parse(env);
}

describe('docker/compose.yaml', () => {
  const migrations = () => Object.keys(compose.services).filter((name) => compose.services[name]!.command?.at(-1) === 'migrate');

  it('runs NATS with JetStream on a volume, Postgres 16 and Jaeger v2 with OTLP and its UI', () => {
    const nats = compose.services['nats']!;
    expect(nats.image).toMatch(/^nats:2\.10\.\d+-alpine$/);
    expect(nats.command).toEqual(expect.arrayContaining(['-js', '-sd']));
    const storeDir = nats.command![nats.command!.indexOf('-sd') + 1];
    expect(nats.volumes?.some((volume) => volume.endsWith(`:${storeDir}`) && Object.keys(compose.volumes ?? {}).includes(volume.split(':')[0]!))).toBe(true);
    expect(compose.services['postgres']!.image).toBe('postgres:16-alpine');
    const jaeger = compose.services['jaeger']!;
    // v1 (jaegertracing/all-in-one) is past its end of life; v2 takes OTLP without settings.
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(containerPorts(jaeger)).toEqual(expect.arrayContaining([16686, 4318]));
  });

  it('publishes every port on 127.0.0.1 only (published ports bypass host firewalls), the services unless told otherwise', () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((mapping) => ({ name, address: hostAddress(mapping) })));
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((entry) => entry.address !== '127.0.0.1')).toEqual([]);
    const opened = parseCompose(readRepoFile('docker/compose.yaml'), { HOOKMESH_PUBLISH_ADDRESS: '0.0.0.0' });
    const openedNames = Object.entries(opened.services).filter(([, service]) => (service.ports ?? []).some((mapping) => hostAddress(mapping) === '0.0.0.0')).map(([name]) => name);
    expect(openedNames.sort()).toEqual([...IMAGES].sort());
  });

  it('runs the NATS version the Kubernetes StatefulSet runs', () => {
    const statefulSet = YAML.parseAllDocuments(readRepoFile('k8s/base/nats.yaml'))
      .map((document) => document.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } })
      .find((object) => object.kind === 'StatefulSet');
    expect(compose.services['nats']!.image).toBe(statefulSet?.spec?.template?.spec?.containers?.[0]?.image);
  });

  it('has a one-shot migration for every service that offers `migrate`, in that service’s image', async () => {
    for (const service of SERVICES) {
      const entry = serviceEntryPoint(service);
      if (!entry.exists) throw new Error(`${entry.file} is missing: cannot tell whether ${service} has a migrate command`);
      const migration = migrations().find((name) => hookmeshService(name) === service);
      if (!entry.supportsMigrate) {
        expect(migration).toBeUndefined();
        continue;
      }
      expect(migration).toBeDefined();
      const step = compose.services[migration!]!;
      expect(step.command).toEqual(serviceCommand(service, 'migrate'));
      expect(step.restart).toBe('no');
      expect(step.depends_on).toEqual({ nats: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
      await expectEnvAccepted(service, step);
    }
  });

  it.each(SERVICES)('wires %s: its config accepts the environment, its port is published, it starts after every migration', async (service) => {
    const name = Object.keys(compose.services).find((candidate) => hookmeshService(candidate) === service && !migrations().includes(candidate));
    expect(name).toBe(service);
    const composeService = compose.services[service]!;
    const parsed = await expectEnvAccepted(service, composeService);
    expect(containerPorts(composeService)).toEqual([parsed['PORT']]);
    expect(composeService.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', target: service });
    expect(composeService.image).toBe(`ghcr.io/hookmesh/${service}:${rootPackage().version}`);
    for (const migration of migrations()) expect(composeService.depends_on?.[migration]).toEqual({ condition: 'service_completed_successfully' });
    // Every host it is told to use is a service of this compose file.
    expect(new URL(String(parsed['NATS_URL'])).hostname).toBe('nats');
    expect(new URL(String(parsed['OTEL_EXPORTER_OTLP_ENDPOINT']))).toMatchObject({ hostname: 'jaeger', port: '4318' });
    if (parsed['DATABASE_URL'] !== undefined) {
      const url = new URL(String(parsed['DATABASE_URL']));
      const postgres = composeEnv(compose.services[url.hostname]!);
      expect({ user: url.username, password: url.password, db: url.pathname.slice(1) }).toEqual({
        user: postgres['POSTGRES_USER'],
        password: postgres['POSTGRES_PASSWORD'],
        db: postgres['POSTGRES_DB'],
      });
    }
    expect(composeService.read_only).toBe(true);
  });

  it('builds every image it names with the Dockerfile stage of that name', () => {
    const stages = new Set(dockerfile.stages.map((candidate) => candidate.name));
    for (const composeService of Object.values(compose.services).filter((candidate) => candidate.build !== undefined)) {
      expect(existsSync(repoPath(composeService.build!.dockerfile!))).toBe(true);
      expect(stages.has(composeService.build!.target!)).toBe(true);
    }
  });

  it('falls back to obviously fake secrets only, and reads real ones from the environment or docker/.env', () => {
    const withSecrets = parseCompose(readRepoFile('docker/compose.yaml'), {
      HOOKMESH_JWT_SECRET: 'from-the-operator-0123456789abcdef',
      POSTGRES_PASSWORD: 'operator-password',
    });
    expect(composeEnv(withSecrets.services['event-ingest']!)['HOOKMESH_JWT_SECRET']).toBe('from-the-operator-0123456789abcdef');
    expect(composeEnv(withSecrets.services['audit']!)['DATABASE_URL']).toContain(':operator-password@');
    const defaults = composeEnv(compose.services['subscription-service']!);
    expect(defaults['HOOKMESH_JWT_SECRET']).toContain('insecure');
    expect(defaults['DATABASE_URL']).toContain('insecure');
    const keyMaterial = Buffer.from(defaults['HOOKMESH_SECRETS_KEY']!.split(':')[1]!, 'base64').toString('utf8');
    expect(keyMaterial).toContain('insecure');
  });
});
