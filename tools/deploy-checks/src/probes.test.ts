// The paths the manifests and the image probe are answered by what every service really serves: each service's
// app is built by libs/http's createHttpApp, which this test starts on a loopback port and asks over HTTP.
import { createHttpApp, startHttpServer, type RunningHttpServer } from '@hookmesh/http';
import { createLogger } from '@hookmesh/logging';
import { Registry } from 'prom-client';
import { renderKustomization } from './kube';
import { readRepoFile, repoPath, SERVICES } from './repo';
import { workloads } from './workloads';

const log = createLogger({ service: 'deploy-checks', level: 'silent', pretty: false });
let healthy = true;
let server: RunningHttpServer;

beforeAll(async () => {
  const app = createHttpApp({
    log,
    serviceName: 'deploy-checks',
    registry: new Registry(),
    openapi: {},
    readiness: { dependency: async () => ({ ok: healthy, detail: healthy ? undefined : 'down' }) },
    routes: () => undefined,
  });
  server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log });
});

afterAll(async () => {
  await server.close();
});

/** Every HTTP path a Hookmesh container is probed or scraped on, in the dev overlay and the Dockerfile. */
function probedPaths(): string[] {
  const paths = workloads(renderKustomization(repoPath('k8s/overlays/dev')))
    .filter((workload) => ['api', 'worker'].includes(workload.labels['app.kubernetes.io/component'] ?? ''))
    .flatMap((workload) => [
      workload.template.metadata?.annotations?.['prometheus.io/path'],
      ...(workload.template.spec?.containers ?? []).flatMap((container) => [container.livenessProbe, container.readinessProbe, container.startupProbe].map((probe) => probe?.httpGet?.path)),
    ]);
  const healthcheck = [...readRepoFile('docker/Dockerfile').matchAll(/127\.0\.0\.1:'\+process\.env\.PORT\+'(\/[\w/]+)'/g)].map((match) => match[1]);
  return [...new Set([...paths, ...healthcheck].filter((path): path is string => path !== undefined))].sort();
}

describe('probe paths', () => {
  it.each(SERVICES)('%s builds its HTTP app with createHttpApp, which serves the probes', (service) => {
    expect(readRepoFile(`apps/${service}/src/app.ts`)).toMatch(/\bcreateHttpApp\(/);
  });

  it('are all answered 200 by createHttpApp while the dependencies answer', async () => {
    const paths = probedPaths();
    expect(paths).toEqual(['/healthz', '/metrics', '/readyz']);
    healthy = true;
    for (const path of paths) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  it('turn readiness to 503 but keep liveness at 200 when a dependency is down, so Kubernetes stops routing without restarting', async () => {
    healthy = false;
    expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    healthy = true;
  });
});
