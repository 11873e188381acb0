// The manifests' defences, evaluated: NATS admits only the services' own users (checked against a real nats-server
// running the rendered config), the identity provider is reachable when tokens are verified with JWKS, DNS keeps
// working with NodeLocal DNSCache, the Gateway API route table matches the Ingress, KEDA watches the due work.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { API_BASE_PATH, natsNames, routesFor, type ServiceName } from '@hookmesh/contracts';
import { connectNats } from '@hookmesh/messaging';
import { freePort, natsServerBinary } from '@hookmesh/testing';
import pino from 'pino';
import YAML from 'yaml';
import { examplePath } from './ingress';
import { named, ofKind, renderKustomization, renderProdOverlay, type KubeObject } from './kube';
import { connectionAllowed, type Peer } from './network';
import { readRepoFile, repoPath, SERVICES } from './repo';
import { loadServiceConfig } from './service-config';
import { containersOf, resolveContainerEnv, workloads, type Container, type Workload } from './workloads';

const NAMESPACE = 'hookmesh';
const API_SERVICES: readonly ServiceName[] = ['subscription-service', 'event-ingest', 'audit'];
const PUBLIC_IP = '93.184.216.34';
const JWKS = { HOOKMESH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' };

const rendered = {} as Record<'dev' | 'prod' | 'jwks' | 'jwksWithoutEgress' | 'nodeLocalDns' | 'gateway', KubeObject[]>;

beforeAll(() => {
  rendered.dev = renderKustomization(repoPath('k8s/overlays/dev'));
  rendered.prod = renderProdOverlay();
  rendered.jwks = renderProdOverlay({ settings: JWKS, omitSecrets: ['HOOKMESH_JWT_SECRET'], components: ['jwks-egress'] });
  rendered.jwksWithoutEgress = renderProdOverlay({ settings: JWKS, omitSecrets: ['HOOKMESH_JWT_SECRET'] });
  rendered.nodeLocalDns = renderProdOverlay({ components: ['node-local-dns'] });
  rendered.gateway = renderProdOverlay({ components: ['gateway-api'] });
}, 120_000);

const pod = (workload: Workload): Peer => ({ pod: workload, namespace: NAMESPACE });
const workloadNamed = (objects: readonly KubeObject[], name: string): Workload => {
  const found = workloads(objects).find((workload) => workload.name === name);
  if (found === undefined) throw new Error(`no workload named ${name}`);
  return found;
};

/** Every container that runs a service, with the service it runs: the Deployments' and the migration Job's. */
function serviceContainers(objects: readonly KubeObject[]): Array<{ service: ServiceName; container: Container; workload: Workload }> {
  return workloads(objects).flatMap((workload) =>
    containersOf(workload).flatMap((container) => {
      const service = SERVICES.find((candidate) => container.name === candidate || container.name === `migrate-${candidate}`);
      return service === undefined ? [] : [{ service, container, workload }];
    }),
  );
}

/** The NATS users of the rendered nats.conf and the pod variable that holds each one's password. */
function natsUsers(objects: readonly KubeObject[]): { conf: string; passwordVariable: Map<string, string> } {
  const configMap = ofKind(objects, 'ConfigMap').find((candidate) => candidate.metadata.name.startsWith('nats-config'));
  const conf = Object.values(configMap?.data ?? {})[0] ?? '';
  const passwordVariable = new Map([...conf.matchAll(/\{\s*user:\s*([\w-]+),\s*password:\s*\$(\w+)\s*\}/g)].map((match) => [match[1]!, match[2]!]));
  return { conf, passwordVariable };
}

function natsServerEnv(objects: readonly KubeObject[]): Record<string, string> {
  const nats = workloadNamed(objects, 'nats');
  const { env, problems } = resolveContainerEnv(nats.template.spec!.containers[0]!, objects);
  expect(problems).toEqual([]);
  return env;
}

describe.each(['dev', 'prod'] as const)('NATS in k8s %s', (rendering) => {
  it('admits each service and its migration as that service’s own user, with the password the servers check', () => {
    const objects = rendered[rendering];
    const { conf, passwordVariable } = natsUsers(objects);
    expect([...passwordVariable.keys()].sort()).toEqual([...SERVICES].sort());
    expect(conf).toMatch(/HOOKMESH\s*\{\s*jetstream:\s*enabled/);
    expect(conf).not.toMatch(/no_auth_user/);
    const serverEnv = natsServerEnv(objects);
    const containers = serviceContainers(objects);
    expect(containers.length).toBe(SERVICES.length * 2);
    for (const { service, container, workload } of containers) {
      const { env, fromSecrets, problems } = resolveContainerEnv(container, objects);
      expect(problems).toEqual([]);
      const url = new URL(env['NATS_URL'] ?? '');
      const password = serverEnv[passwordVariable.get(service)!];
      expect({ where: `${workload.name}/${container.name}`, user: url.username, password: decodeURIComponent(url.password), fromSecret: fromSecrets.has('NATS_PASSWORD') }).toEqual({
        where: `${workload.name}/${container.name}`,
        user: service,
        password,
        fromSecret: true,
      });
      expect(password).toMatch(/^[A-Za-z][\w-]*$/); // URL-safe and a string to the NATS config parser
    }
  });
});

describe('k8s/base/nats.conf on a real nats-server (the dev overlay’s rendering and secrets)', () => {
  let server: ChildProcess | undefined;
  let port: number;
  let scratch: string;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    const { conf } = natsUsers(rendered.dev);
    scratch = mkdtempSync(path.join(tmpdir(), 'hm-nats-conf-'));
    // One server of the three: no cluster block (its peers do not exist here), no monitoring port, a scratch store.
    const single = conf
      .replace(/^cluster\s*\{[\s\S]*?^\}/m, '')
      .replace(/^(http|pid_file|listen):.*$/gm, '')
      .replace(/store_dir:\s*\S+/, `store_dir: ${JSON.stringify(path.join(scratch, 'js'))}`);
    writeFileSync(path.join(scratch, 'nats.conf'), single);
    port = await freePort();
    server = spawn(natsServerBinary(), ['-c', path.join(scratch, 'nats.conf'), '-a', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, ...natsServerEnv(rendered.dev), POD_NAME: 'nats-check' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`nats-server refused k8s/base/nats.conf:\n${stderr}`);
      const answered = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500, reconnect: false }).then(
        async (nc) => {
          await nc.close();
          return true;
        },
        (error: Error) => /Authorization/i.test(String(error)),
      );
      if (answered) break;
      if (Date.now() > deadline) throw new Error(`nats-server did not start with k8s/base/nats.conf:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect({ servers: `nats://127.0.0.1:${port}`, timeout: 2_000, reconnect: false })).rejects.toThrow(/Authorization/i);
    await expect(connect({ servers: `nats://127.0.0.1:${port}`, user: 'dispatcher', pass: 'wrong', timeout: 2_000, reconnect: false })).rejects.toThrow(/Authorization/i);
  });

  it.each(SERVICES)('lets %s in with the NATS_URL its Deployment composes, with JetStream in the HOOKMESH account', async (service) => {
    const { env } = resolveContainerEnv(serviceContainers(rendered.dev).find((entry) => entry.service === service && entry.workload.kind === 'Deployment')!.container, rendered.dev);
    const url = new URL(env['NATS_URL']!);
    url.host = `127.0.0.1:${port}`;
    const nc = await connectNats({ servers: url.toString(), name: `${service}-check`, log });
    try {
      const info = await (await jetstreamManager(nc)).getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });
});

describe('identity provider (JWKS) egress', () => {
  /** Services told to verify tokens with HOOKMESH_JWKS_URL whose pods cannot reach a public address on 443. */
  async function unreachableIdentityProvider(objects: readonly KubeObject[]): Promise<string[]> {
    const cut: string[] = [];
    for (const service of API_SERVICES) {
      const workload = workloadNamed(objects, service);
      const { env } = resolveContainerEnv(workload.template.spec!.containers[0]!, objects);
      const parsed = (await loadServiceConfig(service)).parse(env);
      if (parsed['HOOKMESH_JWKS_URL'] !== undefined && !connectionAllowed(objects, pod(workload), { ip: PUBLIC_IP }, 443)) cut.push(service);
    }
    return cut;
  }

  it('lets the API services fetch the identity provider’s keys when HOOKMESH_JWKS_URL is set and the component is added', async () => {
    expect(await unreachableIdentityProvider(rendered.jwks)).toEqual([]);
    // Without the component the same settings leave every API service without its keys: the check catches it.
    expect((await unreachableIdentityProvider(rendered.jwksWithoutEgress)).sort()).toEqual([...API_SERVICES].sort());
  });

  it('opens HTTPS to public addresses only, for the API services only', () => {
    for (const service of API_SERVICES) {
      const source = pod(workloadNamed(rendered.jwks, service));
      expect(connectionAllowed(rendered.prod, pod(workloadNamed(rendered.prod, service)), { ip: PUBLIC_IP }, 443)).toBe(false);
      expect(connectionAllowed(rendered.jwks, source, { ip: PUBLIC_IP }, 80)).toBe(false);
      for (const ip of ['10.0.0.7', '172.20.1.1', '192.168.1.1', '169.254.169.254', '127.0.0.1', '100.64.0.1']) {
        expect({ service, ip, allowed: connectionAllowed(rendered.jwks, source, { ip }, 443) }).toEqual({ service, ip, allowed: false });
      }
    }
    const job = workloads(rendered.jwks).find((workload) => workload.kind === 'Job')!;
    expect(connectionAllowed(rendered.jwks, pod(job), { ip: PUBLIC_IP }, 443)).toBe(false);
    expect(connectionAllowed(rendered.jwks, pod(workloadNamed(rendered.jwks, 'nats')), { ip: PUBLIC_IP }, 443)).toBe(false);
  });
});

describe('NodeLocal DNSCache', () => {
  const nodeLocal: Peer = { ip: '169.254.20.10' };

  it('is not reachable with the base DNS policy, and is with the node-local-dns component, on port 53 only', () => {
    for (const workload of workloads(rendered.prod)) expect(connectionAllowed(rendered.prod, pod(workload), nodeLocal, 53, 'UDP')).toBe(false);
    for (const workload of workloads(rendered.nodeLocalDns)) {
      for (const protocol of ['UDP', 'TCP']) {
        expect({ workload: workload.name, protocol, allowed: connectionAllowed(rendered.nodeLocalDns, pod(workload), nodeLocal, 53, protocol) }).toEqual({ workload: workload.name, protocol, allowed: true });
      }
      expect(connectionAllowed(rendered.nodeLocalDns, pod(workload), nodeLocal, 443)).toBe(false);
    }
    // Cloud metadata stays closed, for the dispatcher too.
    expect(connectionAllowed(rendered.nodeLocalDns, pod(workloadNamed(rendered.nodeLocalDns, 'dispatcher')), { ip: '169.254.169.254' }, 80)).toBe(false);
  });
});

type HttpRoute = {
  kind: string;
  spec: { parentRefs: Array<{ name: string; namespace?: string }>; rules: Array<{ matches: Array<{ path: { type: string; value: string } }>; backendRefs: Array<{ name: string; port: number }> }> };
};

describe('Gateway API (k8s/components/gateway-api)', () => {
  const routes = () => rendered.gateway.filter((object) => object.kind === 'HTTPRoute') as unknown as Array<HttpRoute & KubeObject>;

  /** The backends an HTTPRoute sends a path to (its RegularExpression matches are full-path RE2 matches). */
  const backendsFor = (requestPath: string) =>
    routes().flatMap((route) => route.spec.rules.filter((rule) => rule.matches.some((match) => match.path.type === 'RegularExpression' && new RegExp(match.path.value).test(requestPath))).flatMap((rule) => rule.backendRefs));

  it('replaces the Ingress by one HTTPRoute and admits the Gateway’s namespace instead of ingress-nginx', () => {
    expect(ofKind(rendered.gateway, 'Ingress')).toEqual([]);
    expect(routes()).toHaveLength(1);
    expect(routes()[0]!.spec.parentRefs.length).toBeGreaterThan(0);
    const gatewayNamespace = routes()[0]!.spec.parentRefs[0]!.namespace!;
    for (const service of API_SERVICES) {
      const target = pod(workloadNamed(rendered.gateway, service));
      const port = named(rendered.gateway, 'Service', service).spec!.ports![0]!.port;
      expect(connectionAllowed(rendered.gateway, { namespace: gatewayNamespace }, target, port)).toBe(true);
      expect(connectionAllowed(rendered.gateway, { namespace: 'ingress-nginx' }, target, port)).toBe(false);
    }
  });

  it('routes every public API route of the design to the service that serves it, and nothing else', () => {
    for (const service of API_SERVICES) {
      const port = named(rendered.gateway, 'Service', service).spec!.ports![0]!.port;
      for (const route of routesFor(service).filter((candidate) => candidate.path.startsWith(API_BASE_PATH))) {
        const request = examplePath(route.path);
        expect({ request, backends: backendsFor(request) }).toEqual({ request, backends: [{ name: service, port }] });
      }
    }
    for (const internal of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/acme-corp/api/v1/unknown', '/acme-corp/api/v2/events', '/acme-corp/api/v1/events/extra']) {
      expect({ internal, backends: backendsFor(internal) }).toEqual({ internal, backends: [] });
    }
  });
});

describe('KEDA example (k8s/optional/keda-dispatcher-scaledobject.yaml)', () => {
  it('reads the consumers of the NATS account the services use, and not WAITING, whose lag is not due yet', () => {
    const spec = (YAML.parse(readFileSync(repoPath('k8s/optional/keda-dispatcher-scaledobject.yaml'), 'utf8')) as { spec: { triggers: Array<{ metadata: Record<string, string> }> } }).spec;
    const account = /^accounts\s*\{\s*(\w+)\s*\{/m.exec(readRepoFile('k8s/base/nats.conf'))?.[1];
    expect(account).toBe('HOOKMESH');
    for (const trigger of spec.triggers) expect(trigger.metadata['account']).toBe(account);
    expect(spec.triggers.map((trigger) => trigger.metadata['stream'])).not.toContain(natsNames('').streams.waiting);
  });
});
