// The Kubernetes manifests, rendered as `kubectl apply -k` would apply them, checked against the Kubernetes schemas
// and against the code: selectors, ports, probe paths, environment, secret keys, images, routes, network policies.
import { readFileSync } from 'node:fs';
import { API_BASE_PATH, natsNames, operationalRoutes, routesFor, type ServiceName } from '@hookmesh/contracts';
import YAML from 'yaml';
import { parseCompose } from './compose';
import { backendFor, examplePath } from './ingress';
import { named, ofKind, parseEnvFile, parseManifests, renderKustomization, renderProdOverlay, schemaProblems, UNVALIDATED_KINDS, type KubeObject } from './kube';
import { connectionAllowed, type Peer } from './network';
import { readRepoFile, repoPath, rootPackage, serviceCommand, serviceEntryPoint, SERVICES } from './repo';
import { loadServiceConfig, PLATFORM_VARIABLES, type ServiceConfig } from './service-config';
import { containersOf, resolveContainerEnv, resolvePort, selects, selectsByMap, serviceContainer, workloads, type Container, type Workload } from './workloads';

const NAMESPACE = 'hookmesh';
const API_SERVICES: readonly ServiceName[] = ['subscription-service', 'event-ingest', 'audit'];
/** Variables that carry credentials: they must come from a Secret, never a ConfigMap. */
const SECRET_VARIABLES = ['DATABASE_URL', 'HOOKMESH_JWT_SECRET', 'HOOKMESH_SECRETS_KEY', 'NATS_PASSWORD'];
/** libs/http startHttpServer's default deadline for in-flight requests after close(). */
const HTTP_DRAIN_SECONDS = 10;
/** Room for the consumers to stop and NATS to drain after the HTTP server closed. */
const NATS_DRAIN_SECONDS = 10;

type Rendering = 'base' | 'dev' | 'prod';
const rendered = {} as Record<Rendering, KubeObject[]>;
const configs = new Map<ServiceName, Promise<ServiceConfig>>();

beforeAll(() => {
  rendered.base = renderKustomization(repoPath('k8s/base'));
  rendered.dev = renderKustomization(repoPath('k8s/overlays/dev'));
  rendered.prod = renderProdOverlay();
  for (const service of SERVICES) {
    const loading = loadServiceConfig(service);
    loading.catch(() => undefined); // reported by the test that needs it
    configs.set(service, loading);
  }
}, 120_000);

function configOf(service: ServiceName): Promise<ServiceConfig> {
  return configs.get(service)!;
}


/** Parses a container's rendered environment with the service's own config; throws its ConfigError when refused. */
async function parsedEnv(objects: readonly KubeObject[], service: ServiceName, container: Container): Promise<Record<string, unknown>> {
  const { env, problems } = resolveContainerEnv(container, objects);
  expect(problems).toEqual([]);
  return (await configOf(service)).parse(env);
}

function podPeer(workload: Workload): Peer {
  return { pod: workload, namespace: NAMESPACE };
}

/** The pods behind a Service name and the container port a Service port number leads to. */
function serviceTarget(objects: readonly KubeObject[], serviceName: string, port: number): { workload: Workload; containerPort: number } {
  const service = named(objects, 'Service', serviceName);
  const servicePort = service.spec?.ports?.find((candidate) => candidate.port === port);
  if (servicePort === undefined) throw new Error(`Service ${serviceName} has no port ${port}`);
  const workload = workloads(objects).find((candidate) => selectsByMap(service.spec?.selector, candidate.labels));
  if (workload === undefined) throw new Error(`Service ${serviceName} selects no pods`);
  const containerPort = (workload.template.spec?.containers ?? [])
    .map((container) => resolvePort(container, servicePort.targetPort ?? port))
    .find((resolved) => resolved !== undefined);
  if (containerPort === undefined) throw new Error(`Service ${serviceName} port ${port} targets ${String(servicePort.targetPort)}, which no container exposes`);
  return { workload, containerPort };
}

/** "nats://nats:4222" → { host: "nats", port: 4222 }; the first label names the Service inside the namespace. */
function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === '' ? defaultPort : Number(parsed.port) };
}

describe.each<Rendering>(['base', 'dev', 'prod'])('k8s %s, as rendered by kubectl kustomize', (rendering) => {
  it('holds only objects valid against the Kubernetes schema of their kind', () => {
    const objects = rendered[rendering];
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.flatMap((object) => schemaProblems(object))).toEqual([]);
  });

  it('puts everything in the hookmesh namespace', () => {
    const misplaced = rendered[rendering]
      .filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== NAMESPACE)
      .map((object) => `${object.kind}/${object.metadata.name}`);
    expect(misplaced).toEqual([]);
  });

  it('has a Deployment, Service and PodDisruptionBudget for every service', () => {
    const objects = rendered[rendering];
    for (const service of SERVICES) {
      expect(named(objects, 'Deployment', service).metadata.name).toBe(service);
      expect(named(objects, 'Service', service).metadata.name).toBe(service);
      const budget = named(objects, 'PodDisruptionBudget', service);
      expect(selects(budget.spec?.selector, serviceContainer(objects, service).workload.labels)).toBe(true);
    }
  });
});

describe.each<Exclude<Rendering, 'base'>>(['dev', 'prod'])('k8s overlay %s', (overlay) => {
  const objects = () => rendered[overlay];

  it('has every workload select its own pods, and every Service and PodDisruptionBudget select exactly one workload', () => {
    for (const object of [...ofKind(objects(), 'Deployment'), ...ofKind(objects(), 'StatefulSet')]) {
      expect(selects(object.spec?.selector, object.spec?.template.metadata?.labels ?? {})).toBe(true);
    }
    for (const service of ofKind(objects(), 'Service')) {
      const selected = workloads(objects()).filter((workload) => selectsByMap(service.spec?.selector, workload.labels));
      expect({ service: service.metadata.name, selected: selected.map((workload) => workload.name) }).toEqual({
        service: service.metadata.name,
        selected: [selected[0]?.name ?? '(none)'],
      });
      for (const port of service.spec?.ports ?? []) {
        const targets = (selected[0]!.template.spec?.containers ?? []).map((container) => resolvePort(container, port.targetPort ?? port.port));
        expect({ service: service.metadata.name, port: port.port, reachable: targets.some((target) => target !== undefined) }).toEqual({
          service: service.metadata.name,
          port: port.port,
          reachable: true,
        });
      }
    }
    for (const budget of ofKind(objects(), 'PodDisruptionBudget')) {
      expect(workloads(objects()).filter((workload) => selects(budget.spec?.selector, workload.labels))).toHaveLength(1);
    }
  });

  it('finds every ConfigMap and Secret key that a pod reads or mounts', () => {
    const configMaps = new Set(ofKind(objects(), 'ConfigMap').map((map) => map.metadata.name));
    const secrets = new Set(ofKind(objects(), 'Secret').map((secret) => secret.metadata.name));
    const problems = workloads(objects()).flatMap((workload) => [
      ...containersOf(workload).flatMap((container) => resolveContainerEnv(container, objects()).problems.map((problem) => `${workload.name}: ${problem}`)),
      ...(workload.template.spec?.volumes ?? []).flatMap((volume) => [
        ...(volume.configMap !== undefined && !configMaps.has(volume.configMap.name ?? '') ? [`${workload.name}: volume ConfigMap ${volume.configMap.name} does not exist`] : []),
        ...(volume.secret !== undefined && !secrets.has(volume.secret.secretName ?? '') ? [`${workload.name}: volume Secret ${volume.secret.secretName} does not exist`] : []),
      ]),
    ]);
    expect(problems).toEqual([]);
  });

  it.each(SERVICES)('starts %s with an environment its own config schema accepts, credentials from the Secret only', async (service) => {
    const { container } = serviceContainer(objects(), service);
    const config = await configOf(service);
    const { env, fromSecrets } = resolveContainerEnv(container, objects());
    const parsed = await parsedEnv(objects(), service, container);
    expect(parsed['PORT']).toBe(resolvePort(container, 'http'));
    // A variable the schema does not know is a typo that silently falls back to a default.
    expect(Object.keys(env).filter((name) => !config.knownVariables.has(name) && !PLATFORM_VARIABLES.has(name))).toEqual([]);
    expect(SECRET_VARIABLES.filter((name) => name in env && !fromSecrets.has(name))).toEqual([]);
  });

  it.each(SERVICES)('probes %s on its HTTP port at /healthz (liveness, startup) and /readyz (readiness)', async (service) => {
    const { container } = serviceContainer(objects(), service);
    const parsed = await parsedEnv(objects(), service, container);
    const served = new Set(operationalRoutes(service).map((route) => route.path));
    const probes = { liveness: container.livenessProbe, readiness: container.readinessProbe, startup: container.startupProbe };
    expect(Object.fromEntries(Object.entries(probes).map(([kind, probe]) => [kind, probe?.httpGet?.path]))).toEqual({
      liveness: '/healthz',
      readiness: '/readyz',
      startup: '/healthz',
    });
    for (const probe of Object.values(probes)) {
      expect(served.has(probe!.httpGet!.path!)).toBe(true);
      expect(resolvePort(container, probe!.httpGet!.port)).toBe(parsed['PORT']);
    }
    const annotations = serviceContainer(objects(), service).workload.template.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(served.has(annotations['prometheus.io/path']!)).toBe(true);
    expect(Number(annotations['prometheus.io/port'])).toBe(parsed['PORT']);
    expect(named(objects(), 'Service', service).spec?.ports?.[0]?.port).toBe(parsed['PORT']);
  });

  it.each(SERVICES)('gives %s a termination grace period longer than its preStop pause and drain', async (service) => {
    const { workload, container } = serviceContainer(objects(), service);
    const parsed = await parsedEnv(objects(), service, container);
    const command = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('sleep');
    const pause = Number(command[1]);
    // The dispatcher lets in-flight attempts settle; each may take the whole delivery timeout.
    const inFlight = service === 'dispatcher' ? Number(parsed['HOOKMESH_DELIVERY_TIMEOUT']) / 1000 : HTTP_DRAIN_SECONDS;
    expect(workload.template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(pause + inFlight + NATS_DRAIN_SECONDS);
  });

  it('runs every pod as non-root with a read-only root filesystem, no privilege escalation, sized resources', () => {
    const findings = workloads(objects()).flatMap((workload) => {
      const pod = workload.template.spec?.securityContext;
      const problems: string[] = [];
      if (pod?.runAsNonRoot !== true || pod.runAsUser === 0 || pod.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${workload.name}: pod security context`);
      for (const container of containersOf(workload)) {
        const context = container.securityContext;
        if (context?.allowPrivilegeEscalation !== false || context.readOnlyRootFilesystem !== true || !(context.capabilities?.drop ?? []).includes('ALL')) {
          problems.push(`${workload.name}/${container.name}: container security context`);
        }
        const resources = container.resources;
        if (resources?.requests?.['cpu'] === undefined || resources.requests['memory'] === undefined || resources.limits?.['memory'] === undefined) {
          problems.push(`${workload.name}/${container.name}: resources`);
        }
      }
      return problems;
    });
    expect(findings).toEqual([]);
  });

  it('names every Hookmesh image ghcr.io/hookmesh/<service>:<package.json version> and pins every other image', () => {
    const { version } = rootPackage();
    const images = workloads(objects()).flatMap((workload) => containersOf(workload).map((container) => ({ workload: workload.name, container: container.name, image: container.image ?? '' })));
    for (const { container, image } of images.filter(({ image }) => image.startsWith('ghcr.io/hookmesh/'))) {
      // The web console is a Hookmesh image too, though not a service of the contracts.
      const service = [...SERVICES, 'console'].find((candidate) => container === candidate || container === `migrate-${candidate}`);
      expect({ container, image }).toEqual({ container, image: `ghcr.io/hookmesh/${service ?? '(no service)'}:${version}` });
    }
    for (const { image } of images.filter(({ image }) => !image.startsWith('ghcr.io/hookmesh/'))) {
      expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('runs `migrate` of every service in one Job, each in its own image and with an environment its config accepts', async () => {
    const job = workloads(objects()).find((workload) => workload.kind === 'Job');
    // One Job per release: a Job's pod template is immutable, so a fixed name would make `kubectl apply` of a new
    // version fail while the old Job exists; and no TTL, or GitOps tools would re-create it after every sync.
    expect(job?.name).toBe(`hookmesh-migrate-${rootPackage().version.replace(/\./g, '-')}`);
    expect(named(objects(), 'Job', job!.name).spec?.ttlSecondsAfterFinished).toBeUndefined();
    const containers = containersOf(job!);
    for (const service of SERVICES) {
      const entry = serviceEntryPoint(service);
      if (!entry.exists) throw new Error(`${entry.file} is missing: cannot tell whether ${service} has a migrate command`);
      const container = containers.find((candidate) => candidate.name === `migrate-${service}`);
      if (!entry.supportsMigrate) {
        expect(container).toBeUndefined();
        continue;
      }
      expect(container?.command).toEqual(serviceCommand(service, 'migrate'));
      expect(container!.image).toBe(serviceContainer(objects(), service).container.image);
      const parsed = await parsedEnv(objects(), service, container!);
      expect(parsed['NATS_URL']).toBeDefined();
    }
    expect(job!.template.spec?.restartPolicy).toBe('OnFailure');
  });

  it('routes every public API route of the design to the service that serves it, and nothing else', () => {
    const ingresses = ofKind(objects(), 'Ingress');
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0]!;
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    for (const service of API_SERVICES) {
      for (const route of routesFor(service).filter((candidate) => candidate.path.startsWith(API_BASE_PATH))) {
        const request = examplePath(route.path);
        const backend = backendFor(ingresses, request);
        expect({ request, service: backend?.service }).toEqual({ request, service });
        const port = named(objects(), 'Service', service).spec?.ports?.find((candidate) => candidate.name === backend!.port || candidate.port === backend!.port);
        expect(port).toBeDefined();
      }
    }
    for (const internal of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/acme-corp/api/v1/unknown', '/acme-corp/api/v2/events']) {
      expect({ internal, backend: backendFor(ingresses, internal) }).toEqual({ internal, backend: undefined });
    }
  });

  it('runs NATS as three JetStream servers on volumes, clustered by routes, with R3 streams', async () => {
    const nats = named(objects(), 'StatefulSet', 'nats');
    expect(nats.spec?.replicas).toBe(3);
    const headless = named(objects(), 'Service', nats.spec!.serviceName!);
    expect(headless.spec?.clusterIP).toBe('None');
    const container = nats.spec!.template.spec!.containers[0]!;
    const configVolume = nats.spec!.template.spec!.volumes!.find((volume) => volume.configMap !== undefined)!;
    const configMap = named(objects(), 'ConfigMap', configVolume.configMap!.name!);
    const conf = Object.values(configMap.data ?? {})[0] ?? '';
    for (let ordinal = 0; ordinal < 3; ordinal += 1) {
      expect(conf).toContain(`nats://${nats.metadata.name}-${ordinal}.${headless.metadata.name}:${resolvePort(container, 'cluster')}`);
    }
    const storeDir = /store_dir:\s*(\S+)/.exec(conf)?.[1];
    const claim = nats.spec!.volumeClaimTemplates![0]!;
    expect(container.volumeMounts?.find((mount) => mount.name === claim.metadata?.name)?.mountPath).toBe(storeDir);
    const maxFileStoreGb = Number(/max_file_store:\s*(\d+)GB/.exec(conf)?.[1]);
    const volumeGi = Number(/^(\d+)Gi$/.exec(String(claim.spec?.resources?.requests?.['storage']))?.[1]);
    expect(maxFileStoreGb).toBeLessThan(volumeGi);
    expect(conf).toMatch(/listen:\s*0\.0\.0\.0:4222/);
    for (const service of SERVICES) {
      const parsed = await parsedEnv(objects(), service, serviceContainer(objects(), service).container);
      expect({ service, replicas: parsed['HOOKMESH_STREAM_REPLICAS'] }).toEqual({ service, replicas: 3 });
      const { host, port } = hostAndPort(String(parsed['NATS_URL']).split(',')[0]!, 4222);
      expect(serviceTarget(objects(), host, port).workload.name).toBe('nats');
    }
  });

  it('lets the HorizontalPodAutoscaler own the dispatcher’s replica count, scaling on CPU', () => {
    const autoscaler = named(objects(), 'HorizontalPodAutoscaler', 'dispatcher');
    expect(autoscaler.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'dispatcher' });
    expect(autoscaler.spec?.metrics?.[0]?.resource?.name).toBe('cpu');
    expect(autoscaler.spec!.minReplicas).toBeLessThanOrEqual(autoscaler.spec!.maxReplicas);
    // A replicas field would be reset by every `kubectl apply`, fighting the autoscaler.
    expect(named(objects(), 'Deployment', 'dispatcher').spec?.replicas).toBeUndefined();
  });

  describe('network policies', () => {
    const internet: Peer = { ip: '93.184.216.34' };
    const workloadNamed = (name: string) => workloads(objects()).find((workload) => workload.name === name)!;

    it('deny everything by default', () => {
      const denyAll = ofKind(objects(), 'NetworkPolicy').find(
        (policy) => Object.keys(policy.spec?.podSelector ?? {}).length === 0 && policy.spec?.ingress === undefined && policy.spec?.egress === undefined,
      );
      expect(denyAll?.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      const intruder: Peer = { pod: { kind: 'Pod', name: 'intruder', labels: { app: 'intruder' }, template: {} }, namespace: NAMESPACE };
      expect(connectionAllowed(objects(), intruder, internet, 443)).toBe(false);
      expect(connectionAllowed(objects(), intruder, podPeer(workloadNamed('nats')), 4222)).toBe(false);
    });

    it('let only the dispatcher reach the internet, and not private or metadata addresses', () => {
      for (const workload of workloads(objects())) {
        expect({ workload: workload.name, internet: connectionAllowed(objects(), podPeer(workload), internet, 443) }).toEqual({
          workload: workload.name,
          internet: workload.name === 'dispatcher',
        });
      }
      const dispatcher = podPeer(workloadNamed('dispatcher'));
      expect(connectionAllowed(objects(), dispatcher, { ip: '93.184.216.34' }, 8443)).toBe(true);
      for (const ip of ['10.0.0.7', '172.20.1.1', '192.168.1.1', '169.254.169.254', '127.0.0.1', '100.64.0.1']) {
        expect({ ip, allowed: connectionAllowed(objects(), dispatcher, { ip }, 443) }).toEqual({ ip, allowed: false });
      }
    });

    it('let every service and the migration reach DNS and the NATS, Postgres and OpenTelemetry its config names', async () => {
      const job = workloads(objects()).find((workload) => workload.kind === 'Job')!;
      for (const service of SERVICES) {
        const { workload, container } = serviceContainer(objects(), service);
        const parsed = await parsedEnv(objects(), service, container);
        const sources = [workload, job];
        const targets: Array<{ what: string; peer: Peer; port: number; protocol?: string }> = [{ what: 'dns', peer: { namespace: 'kube-system' }, port: 53, protocol: 'UDP' }];
        const nats = hostAndPort(String(parsed['NATS_URL']).split(',')[0]!, 4222);
        const natsTarget = serviceTarget(objects(), nats.host, nats.port);
        targets.push({ what: 'nats', peer: podPeer(natsTarget.workload), port: natsTarget.containerPort });
        for (const [what, variable, defaultPort] of [['postgres', 'DATABASE_URL', 5432], ['otlp', 'OTEL_EXPORTER_OTLP_ENDPOINT', 4318]] as const) {
          if (parsed[variable] === undefined) continue;
          const { host, port } = hostAndPort(String(parsed[variable]), defaultPort);
          if (!host.includes('.')) {
            const target = serviceTarget(objects(), host, port);
            targets.push({ what, peer: podPeer(target.workload), port: target.containerPort });
          } else if (/\.svc(\.cluster\.local)?$/.test(host)) {
            targets.push({ what, peer: { namespace: host.split('.')[1]! }, port });
          } else {
            // Outside the cluster on a private network (prod's managed Postgres).
            targets.push({ what, peer: { ip: '10.20.30.40' }, port });
          }
        }
        for (const source of sources) {
          for (const target of targets) {
            const allowed = connectionAllowed(objects(), podPeer(source), target.peer, target.port, target.protocol);
            expect({ service, source: source.name, to: target.what, allowed }).toEqual({ service, source: source.name, to: target.what, allowed: true });
          }
        }
      }
    });

    it('let only Hookmesh workloads reach NATS, and NATS servers reach each other', () => {
      const nats = podPeer(workloadNamed('nats'));
      for (const workload of workloads(objects())) {
        const hookmesh = ['api', 'worker', 'migration'].includes(workload.labels['app.kubernetes.io/component'] ?? '');
        expect({ workload: workload.name, reaches: connectionAllowed(objects(), podPeer(workload), nats, 4222) }).toEqual({ workload: workload.name, reaches: hookmesh });
      }
      expect(connectionAllowed(objects(), nats, nats, 6222)).toBe(true);
      expect(connectionAllowed(objects(), { namespace: 'default' }, nats, 4222)).toBe(false);
    });

    it('let the ingress controller reach the API services and Prometheus reach every /metrics', async () => {
      for (const service of SERVICES) {
        const { workload, container } = serviceContainer(objects(), service);
        const port = Number((await parsedEnv(objects(), service, container))['PORT']);
        const fromIngress = connectionAllowed(objects(), { namespace: 'ingress-nginx' }, podPeer(workload), port);
        expect({ service, fromIngress }).toEqual({ service, fromIngress: API_SERVICES.includes(service) });
        expect(connectionAllowed(objects(), { namespace: 'monitoring' }, podPeer(workload), port)).toBe(true);
        expect(connectionAllowed(objects(), { namespace: 'default' }, podPeer(workload), port)).toBe(false);
      }
    });
  });
});

describe('k8s overlay dev', () => {
  const objects = () => rendered.dev;

  it('sends every service’s traces to the in-cluster Jaeger, whose UI is on 16686', async () => {
    for (const service of SERVICES) {
      const parsed = await parsedEnv(objects(), service, serviceContainer(objects(), service).container);
      const { host, port } = hostAndPort(String(parsed['OTEL_EXPORTER_OTLP_ENDPOINT']), 4318);
      expect({ service, target: serviceTarget(objects(), host, port).workload.name }).toEqual({ service, target: 'jaeger' });
    }
    const jaeger = named(objects(), 'Deployment', 'jaeger').spec!.template.spec!.containers[0]!;
    // Jaeger v2 takes OTLP without settings; v1 (jaegertracing/all-in-one) is past its end of life.
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(jaeger.image).toBe(parseCompose(readRepoFile('docker/compose.yaml')).services['jaeger']!.image);
    expect(serviceTarget(objects(), 'jaeger', 16686).containerPort).toBe(16686);
  });

  it('runs Postgres with the database, user and password that DATABASE_URL names', async () => {
    const parsed = await parsedEnv(objects(), 'audit', serviceContainer(objects(), 'audit').container);
    const url = new URL(String(parsed['DATABASE_URL']));
    const target = serviceTarget(objects(), url.hostname, Number(url.port));
    const { env } = resolveContainerEnv(target.workload.template.spec!.containers[0]!, objects());
    expect({ user: env['POSTGRES_USER'], password: env['POSTGRES_PASSWORD'], db: env['POSTGRES_DB'] }).toEqual({
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      db: url.pathname.slice(1),
    });
  });

  it('keeps only obviously fake secrets in git', () => {
    for (const secret of ofKind(objects(), 'Secret')) {
      for (const [key, encoded] of Object.entries(secret.data ?? {})) {
        const value = Buffer.from(encoded, 'base64').toString('utf8');
        const keyMaterial = value.includes(':') ? Buffer.from(value.slice(value.lastIndexOf(':') + 1), 'base64').toString('utf8') : '';
        expect({ key, fake: value.includes('insecure') || keyMaterial.includes('insecure') }).toEqual({ key, fake: true });
      }
    }
  });
});

describe('k8s overlay prod', () => {
  it('keeps its secrets out of git: secrets.env is ignored and the example holds placeholders for every key the pods read', () => {
    expect(readRepoFile('k8s/overlays/prod/.gitignore').split('\n')).toContain('secrets.env');
    const example = parseEnvFile(readRepoFile('k8s/overlays/prod/secrets.env.example'));
    expect(Object.values(example).every((value) => value.includes('REPLACE_ME'))).toBe(true);
    const secretName = ofKind(rendered.prod, 'Secret')[0]!.metadata.name;
    const keysRead = new Set(
      workloads(rendered.prod).flatMap((workload) =>
        containersOf(workload).flatMap((container) => (container.env ?? []).flatMap((variable) => (variable.valueFrom?.secretKeyRef?.name === secretName ? [variable.valueFrom.secretKeyRef.key] : []))),
      ),
    );
    expect([...keysRead].sort()).toEqual(Object.keys(example).sort());
  });

  it('runs no Postgres or Jaeger of its own and exports traces to a collector', async () => {
    expect(workloads(rendered.prod).map((workload) => workload.name)).not.toContain('postgres');
    expect(workloads(rendered.prod).map((workload) => workload.name)).not.toContain('jaeger');
    const parsed = await parsedEnv(rendered.prod, 'dispatcher', serviceContainer(rendered.prod, 'dispatcher').container);
    expect(String(parsed['OTEL_EXPORTER_OTLP_ENDPOINT'])).toMatch(/^https?:\/\//);
  });
});

describe('k8s/optional/keda-dispatcher-scaledobject.yaml', () => {
  const file = 'k8s/optional/keda-dispatcher-scaledobject.yaml';

  it('is not part of any kustomization (KEDA is optional)', () => {
    for (const kustomization of ['k8s/base/kustomization.yaml', 'k8s/overlays/dev/kustomization.yaml', 'k8s/overlays/prod/kustomization.yaml']) {
      expect(readRepoFile(kustomization)).not.toContain('keda');
    }
  });

  it('scales the dispatcher on the lag of its two consumers (no schema in kubernetes-models: checked by hand)', () => {
    const [scaledObject] = parseManifests(readFileSync(repoPath(file), 'utf8'), file);
    expect(UNVALIDATED_KINDS.has(`${scaledObject!.apiVersion}/${scaledObject!.kind}`)).toBe(true);
    const spec = (YAML.parse(readFileSync(repoPath(file), 'utf8')) as {
      spec: { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: Record<string, string> }> };
    }).spec;
    expect(named(rendered.base, 'Deployment', spec.scaleTargetRef.name).metadata.name).toBe('dispatcher');
    const names = natsNames('');
    expect(spec.triggers.map((trigger) => [trigger.type, trigger.metadata['stream'], trigger.metadata['consumer']])).toEqual([
      ['nats-jetstream', names.streams.events, names.consumers.dispatcherFanout],
      ['nats-jetstream', names.streams.deliveries, names.consumers.dispatcherDelivery],
    ]);
    for (const trigger of spec.triggers) {
      const [host, port] = trigger.metadata['natsServerMonitoringEndpoint']!.split(':');
      const headless = named(rendered.base, 'Service', host!.split('.')[0]!);
      expect(headless.spec?.clusterIP).toBe('None');
      expect(headless.spec?.ports?.some((candidate) => candidate.port === Number(port) && candidate.name === 'monitor')).toBe(true);
    }
  });
});
