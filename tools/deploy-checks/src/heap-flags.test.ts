// Each service's V8 heap settings are written in four places: the image (docker/Dockerfile), the Kubernetes
// ConfigMaps (k8s/base), `npm run up` and the benchmark, the last two reading docker/heap-flags.json. The image and
// the manifests cannot read a JSON file, so this holds them to it: a flag changed in one place and not the others
// would measure one thing and deploy another.
import { parseDockerfile, envOf } from './dockerfile';
import { renderKustomization, type KubeObject } from './kube';
import { SERVICES, readRepoFile, repoPath } from './repo';
import { resolveContainerEnv, serviceContainer } from './workloads';

type HeapFlags = { runtime: string; services: Record<string, string> };

const heapFlags = JSON.parse(readRepoFile('docker/heap-flags.json')) as HeapFlags;
const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));
/** The V8 heap flags of a NODE_OPTIONS value, without the rest (source maps). */
const heapFlagsOf = (nodeOptions: string | undefined): string => (nodeOptions ?? '').split(/\s+/).filter((flag) => /^--max-(old|semi)-space-size=/.test(flag)).join(' ');

let objects: KubeObject[];
beforeAll(() => {
  objects = renderKustomization(repoPath('k8s/base'));
}, 120_000);

describe('heap flags', () => {
  it('are listed for every service, each with a capped old generation', () => {
    expect(Object.keys(heapFlags.services).sort()).toEqual([...SERVICES].sort());
    for (const flags of [heapFlags.runtime, ...Object.values(heapFlags.services)]) expect(flags).toMatch(/--max-old-space-size=\d+/);
  });

  it("are the image's: the runtime stage's and each service stage's NODE_OPTIONS", () => {
    expect(heapFlagsOf(envOf(dockerfile, 'runtime')['NODE_OPTIONS'])).toBe(heapFlags.runtime);
    for (const service of SERVICES) expect([service, heapFlagsOf(envOf(dockerfile, service)['NODE_OPTIONS'])]).toEqual([service, heapFlags.services[service]]);
  });

  it("are each Deployment's in k8s/base, as its container's environment resolves", () => {
    for (const service of SERVICES) {
      const { env } = resolveContainerEnv(serviceContainer(objects, service).container, objects);
      expect([service, heapFlagsOf(env['NODE_OPTIONS'])]).toEqual([service, heapFlags.services[service]]);
    }
  });
});
