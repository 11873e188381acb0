// The web console's packaging, checked against its own config schema: its image stage, its compose service, and its
// Kubernetes Deployment, Service, Ingress paths and network policies (it reaches the three APIs and nothing else).
import { API_BASE_PATH, routesFor } from '@hookmesh/contracts';
// The packaging is checked against the console's own env schema, not a copy of it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ConsoleConfig, loadConfig } from '@hookmesh/console/config';
import { composeEnv, containerPorts, parseCompose } from './compose';
import { effective, parseCopy, parseDockerfile, producedPaths, stageChain } from './dockerfile';
import { backendFor, examplePath } from './ingress';
import { named, ofKind, renderKustomization, renderProdOverlay, type KubeObject } from './kube';
import { connectionAllowed, type Peer } from './network';
import { readRepoFile, repoPath, rootPackage } from './repo';
import { PLATFORM_VARIABLES, schemaVariables } from './service-config';
import { resolveContainerEnv, resolvePort, selects, selectsByMap, workloads, type Workload } from './workloads';

const NAMESPACE = 'hookmesh';
const knownVariables = new Set(schemaVariables(ConsoleConfig));
const UPSTREAMS = { HOOKMESH_SUBSCRIPTION_URL: 'subscription-service', HOOKMESH_INGEST_URL: 'event-ingest', HOOKMESH_AUDIT_URL: 'audit' } as const;

describe('docker/Dockerfile: the console image', () => {
  const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));

  it('is the runtime plus the console build: its bundle and single-page app, the production node_modules, nothing else', () => {
    const chain = stageChain(dockerfile, 'console').map((stage) => stage.name);
    expect(chain).toContain('runtime');
    // The shared build stage bundles the console's server and builds its single-page app with Vite.
    const build = dockerfile.stages.find((stage) => stage.name === 'build');
    expect(build?.instructions.some((instruction) => instruction.keyword === 'RUN' && /bundle\.mjs apps\/console/.test(instruction.args) && /vite.* build --config apps\/console\/vite\.config\.mts/.test(instruction.args))).toBe(true);
    const copies = stageChain(dockerfile, 'console').flatMap((stage) => stage.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => parseCopy(instruction)));
    for (const copy of copies) {
      const allowed =
        (copy.from === 'node-runtime' && copy.sources.every((source) => source.replace(/\/$/, '') === '/rootfs')) ||
        (copy.from === 'service-deps' && copy.sources.every((source) => source.replace(/\/$/, '') === '/deps/console/node_modules')) ||
        (copy.from === 'build' && copy.sources.every((source) => source.replace(/\/$/, '') === '/repo/dist/apps/console'));
      expect({ line: copy.line, allowed }).toEqual({ line: copy.line, allowed: true });
    }
    expect(producedPaths(dockerfile, 'console')).toContain('/app/dist/apps/console');
  });

  it('starts the bundle with node as PID 1 on the configured port, as a numeric non-root user, and checks /healthz', () => {
    const port = loadConfig({ HOOKMESH_SUBSCRIPTION_URL: 'http://s:3001', HOOKMESH_INGEST_URL: 'http://i:3002', HOOKMESH_AUDIT_URL: 'http://a:3004' }).PORT;
    expect(effective(dockerfile, 'console', 'ENTRYPOINT')).toBeUndefined();
    expect(JSON.parse(effective(dockerfile, 'console', 'CMD')!.args)).toEqual(['node', 'dist/apps/console/main.js']);
    expect(effective(dockerfile, 'console', 'EXPOSE')?.args).toBe(String(port));
    expect(effective(dockerfile, 'console', 'ENV')?.args).toContain(`PORT=${port}`);
    expect(effective(dockerfile, 'console', 'HEALTHCHECK')?.args).toContain('/healthz');
    expect((effective(dockerfile, 'console', 'USER')?.args ?? 'root').split(':')[0]).toMatch(/^[1-9]\d*$/);
  });
});

describe('docker/compose.yaml: the console service', () => {
  const compose = parseCompose(readRepoFile('docker/compose.yaml'));
  const service = compose.services['console']!;

  it('runs the console image with an environment its config accepts, forwarding to the compose services', () => {
    expect(service.image).toBe(`ghcr.io/hookmesh/console:${rootPackage().version}`);
    expect(service.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', target: 'console' });
    const env = composeEnv(service);
    expect(Object.keys(env).filter((name) => !knownVariables.has(name))).toEqual([]);
    const parsed = loadConfig(env);
    expect(containerPorts(service)).toEqual([parsed.PORT]);
    for (const [variable, upstream] of Object.entries(UPSTREAMS)) {
      const url = new URL(parsed[variable as keyof typeof UPSTREAMS]);
      expect({ variable, host: url.hostname }).toEqual({ variable, host: upstream });
      expect(containerPorts(compose.services[upstream]!)).toContain(Number(url.port));
    }
    expect(service.read_only).toBe(true);
  });

  it('holds no secret, and subscription-service links portal users to it', () => {
    expect(Object.keys(composeEnv(service)).filter((name) => /SECRET|PASSWORD|DATABASE_URL|NATS_URL/.test(name))).toEqual([]);
    expect(new URL(composeEnv(compose.services['subscription-service']!)['HOOKMESH_CONSOLE_URL']!).port).toBe(String(containerPorts(service)[0]));
  });
});

describe.each(['dev', 'prod'] as const)('k8s overlay %s: the console', (overlay) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = overlay === 'dev' ? renderKustomization(repoPath('k8s/overlays/dev')) : renderProdOverlay();
  }, 120_000);

  const consoleWorkload = (): Workload => workloads(objects).find((workload) => workload.kind === 'Deployment' && workload.name === 'console')!;
  const container = () => consoleWorkload().template.spec!.containers.find((candidate) => candidate.name === 'console')!;
  const deployment = (name: string): Workload => workloads(objects).find((workload) => workload.kind === 'Deployment' && workload.name === name)!;
  const podOf = (name: string): Peer => ({ pod: deployment(name), namespace: NAMESPACE });

  it('starts with an environment its config accepts, from no Secret at all', () => {
    const { env, fromSecrets, problems } = resolveContainerEnv(container(), objects);
    expect(problems).toEqual([]);
    expect([...fromSecrets]).toEqual([]);
    expect((container().env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef !== undefined)).toEqual([]);
    expect(Object.keys(env).filter((name) => !knownVariables.has(name) && !PLATFORM_VARIABLES.has(name))).toEqual([]);
    expect(loadConfig(env).PORT).toBe(resolvePort(container(), 'http'));
  });

  it('forwards to the Services of the three APIs, on the ports their pods serve', () => {
    const config = loadConfig(resolveContainerEnv(container(), objects).env);
    for (const [variable, upstream] of Object.entries(UPSTREAMS)) {
      const url = new URL(config[variable as keyof typeof UPSTREAMS]);
      const service = named(objects, 'Service', url.hostname);
      const pods = workloads(objects).filter((workload) => selectsByMap(service.spec?.selector, workload.labels));
      expect({ variable, pods: pods.map((workload) => workload.name) }).toEqual({ variable, pods: [upstream] });
      expect(service.spec?.ports?.some((port) => port.port === Number(url.port))).toBe(true);
    }
  });

  it('is probed at /healthz and /readyz, scraped at /metrics, reached through its Service and kept by its budget', () => {
    const port = resolvePort(container(), 'http');
    expect([container().livenessProbe?.httpGet?.path, container().startupProbe?.httpGet?.path, container().readinessProbe?.httpGet?.path]).toEqual(['/healthz', '/healthz', '/readyz']);
    expect(resolvePort(container(), container().readinessProbe!.httpGet!.port)).toBe(port);
    expect(consoleWorkload().template.metadata?.annotations?.['prometheus.io/port']).toBe(String(port));
    const service = named(objects, 'Service', 'console');
    expect(selectsByMap(service.spec?.selector, consoleWorkload().labels)).toBe(true);
    expect(selects(named(objects, 'PodDisruptionBudget', 'console').spec?.selector, consoleWorkload().labels)).toBe(true);
    const command = container().lifecycle?.preStop?.exec?.command ?? [];
    expect(consoleWorkload().template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(Number(command[1]) + 10);
  });

  it('reaches the three APIs and nothing else: not NATS, not the internet, not the dispatcher', () => {
    const consolePod = podOf('console');
    for (const upstream of Object.values(UPSTREAMS)) {
      const port = resolvePort(deployment(upstream).template.spec!.containers[0]!, 'http')!;
      expect({ upstream, allowed: connectionAllowed(objects, consolePod, podOf(upstream), port) }).toEqual({ upstream, allowed: true });
    }
    expect(connectionAllowed(objects, consolePod, podOf('dispatcher'), 3003)).toBe(false);
    expect(connectionAllowed(objects, consolePod, { pod: workloads(objects).find((workload) => workload.name === 'nats')!, namespace: NAMESPACE }, 4222)).toBe(false);
    expect(connectionAllowed(objects, consolePod, { ip: '93.184.216.34' }, 443)).toBe(false);
    expect(connectionAllowed(objects, consolePod, { namespace: 'kube-system' }, 53, 'UDP')).toBe(true);
  });

  it('is served to the ingress controller and scraped by Prometheus, and by no one else', () => {
    const port = resolvePort(container(), 'http')!;
    expect(connectionAllowed(objects, { namespace: 'ingress-nginx' }, podOf('console'), port)).toBe(true);
    expect(connectionAllowed(objects, { namespace: 'monitoring' }, podOf('console'), port)).toBe(true);
    expect(connectionAllowed(objects, { namespace: 'default' }, podOf('console'), port)).toBe(false);
    expect(connectionAllowed(objects, podOf('dispatcher'), podOf('console'), port)).toBe(false);
  });

  it('routes the console’s pages, assets and /api forwarding to it, and leaves every API route with its service', () => {
    const ingresses = ofKind(objects, 'Ingress');
    for (const page of ['/', '/callbacks', '/callbacks/0190a5b2', '/deliveries', '/deliveries/0190a5b2', '/holds', '/event-types', '/assets/index-BWOF6f7s.js', '/favicon.svg', '/api/audit/acme/api/v1/stats/timeseries', '/api/subscription/acme/api/v1/callbacks']) {
      expect({ page, backend: backendFor(ingresses, page)?.service }).toEqual({ page, backend: 'console' });
    }
    // An account may be called like a page ("callbacks", "deliveries"): its API stays with the service.
    for (const service of ['subscription-service', 'event-ingest', 'audit'] as const) {
      for (const route of routesFor(service).filter((candidate) => candidate.path.startsWith(API_BASE_PATH))) {
        for (const account of ['callbacks', 'deliveries', 'api', 'assets']) {
          const request = examplePath(route.path).replace('/acme-corp/', `/${account}/`);
          expect({ request, backend: backendFor(ingresses, request)?.service }).toEqual({ request, backend: service });
        }
      }
    }
    for (const internal of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/api/dispatcher/acme/api/v1/x', '/assets']) {
      expect({ internal, backend: backendFor(ingresses, internal) }).toEqual({ internal, backend: undefined });
    }
  });
});
