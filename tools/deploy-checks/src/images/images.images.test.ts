// The service images, built by tools/images/build.sh from docker/Dockerfile, run for real: each one migrates, serves
// its probes, passes its own HEALTHCHECK, runs as uid 1000 with a read-only root filesystem and no capabilities,
// and stops within 5 s of SIGTERM; together (host network, the test's Postgres and NATS) they deliver an event
// to a receiver on the host. Run with `npx nx run deploy-checks:images` (tools/images/test.sh).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { verifyStandardWebhook, type ServiceName } from '@hookmesh/contracts';
import {
  call,
  dispatcherViewHolds,
  freePort,
  messageDeliveries,
  postEvent,
  registerCallbacks,
  startPlatform,
  startReceiver,
  waitFor,
  type Platform,
  type ServiceLauncher,
  type TestReceiver,
} from '@hookmesh/testing';
import { rootPackage, serviceCommand, SERVICES } from '../repo';
import { findEngine, NO_ENGINE, type Engine } from './engine';

/** 200 MB, as `docker images` and `podman images` count them. */
const SIZE_LIMIT = 200_000_000;
const RUN = randomBytes(3).toString('hex');
const LABEL = 'dev.hookmesh.images-test';
const ACCOUNT = 'imagetest';

const found = findEngine();
if (found === undefined) {
  console.error(NO_ENGINE);
  throw new Error('no container engine: the images suite cannot run (HOOKMESH_SKIP_IMAGES=1 skips it on purpose)');
}
const engine: Engine = found;
const imageOf = (service: ServiceName | 'console') => `ghcr.io/hookmesh/${service}:${rootPackage().version}`;

/** What the launcher started: the serving container of each service, and the environment each migration ran with. */
type Launched = { serving: Map<ServiceName, string>; migrateEnv: Map<ServiceName, Readonly<Record<string, string>>> };

/** Each service in its image, as the Kubernetes manifests run it: read-only root, /tmp on tmpfs, no capabilities. */
function imageLauncher(launched: Launched): ServiceLauncher {
  let count = 0;
  return (service, args, env) => {
    const migrate = args.length > 0;
    count += 1;
    const name = `hookmesh-images-${RUN}-${service}${migrate ? `-migrate-${count}` : ''}`;
    if (migrate) launched.migrateEnv.set(service, env);
    else launched.serving.set(service, name);
    // The image's NODE_ENV (production) stays; every other variable comes from the test, by name.
    const variables = Object.keys(env).filter((key) => key !== 'NODE_ENV');
    return {
      command: engine.name,
      args: [
        'run',
        ...(migrate ? ['--rm'] : []),
        '--name',
        name,
        '--label',
        `${LABEL}=${RUN}`,
        '--network',
        'host',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        ...variables.flatMap((key) => ['-e', key]),
        imageOf(service),
        ...serviceCommand(service, ...args),
      ],
    };
  };
}

/** Fields of /proc/<pid>/status of a container's main process, as the host sees it. */
async function processStatus(container: string): Promise<Record<string, string>> {
  const pid = await engine.inspect(container, '{{.State.Pid}}', 'container');
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Object.fromEntries(text.split('\n').filter((line) => line.includes(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

/** uid/gid 1000 everywhere, no capability, no_new_privs, a read-only root and a writable /tmp. */
async function expectHardened(container: string): Promise<void> {
  const status = await processStatus(container);
  expect(status['Uid']?.split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
  expect(status['Gid']?.split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
  expect({ effective: status['CapEff'], permitted: status['CapPrm'], bounding: status['CapBnd'] }).toEqual({
    effective: '0000000000000000',
    permitted: '0000000000000000',
    bounding: '0000000000000000',
  });
  expect(status['NoNewPrivs']).toBe('1');
  expect(await engine.inspect(container, '{{.HostConfig.ReadonlyRootfs}}', 'container')).toBe('true');
  await expect(engine.cli(['exec', container, 'node', '-e', "require('fs').writeFileSync('/app/probe', 'x')"])).rejects.toThrow(/EROFS|read-only/);
  await engine.cli(['exec', container, 'node', '-e', "require('fs').writeFileSync('/tmp/probe', 'x')"]);
}

/** Stops a container with a 10 s grace: one that ignored SIGTERM would be killed then, exit 137. */
async function stopWithin5s(container: string): Promise<{ exitCode: string; within5s: boolean }> {
  const started = Date.now();
  await engine.cli(['stop', '--time', '10', container]);
  const elapsed = Date.now() - started;
  return { exitCode: await engine.inspect(container, '{{.State.ExitCode}}', 'container'), within5s: elapsed < 5_000 };
}

async function expectImageBasics(image: string, command: string[]): Promise<void> {
  const size = Number(await engine.inspect(image, '{{.Size}}').catch((error: Error) => {
    throw new Error(`${image} is missing: build it with tools/images/build.sh (${error.message})`);
  }));
  console.log(`${image}: ${(size / 1e6).toFixed(1)} MB`);
  expect(size).toBeLessThan(SIZE_LIMIT);
  expect(await engine.inspect(image, '{{.Config.User}}')).toBe('1000:1000');
  expect(JSON.parse(await engine.inspect(image, '{{json .Config.Cmd}}'))).toEqual(command);
  const healthcheck = JSON.parse(await engine.inspect(image, '{{json .Config.Healthcheck}}')) as { Test?: string[] } | null;
  expect(healthcheck?.Test?.[0]).toBe('CMD');
  expect(healthcheck?.Test?.join(' ')).toContain('/healthz');
}

async function removeContainers(): Promise<void> {
  const { stdout } = await engine.cli(['ps', '-aq', '--filter', `label=${LABEL}=${RUN}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await engine.cli(['rm', '-f', ...ids]);
}

describe.each(SERVICES)('image %s', (service) => {
  it('is under 200 MB, runs node on its bundle as 1000:1000 and keeps its HEALTHCHECK', async () => {
    await expectImageBasics(imageOf(service), serviceCommand(service));
  });
});

describe('image console', () => {
  it('is under 200 MB, runs node on its bundle as 1000:1000 and keeps its HEALTHCHECK', async () => {
    await expectImageBasics(imageOf('console'), ['node', 'dist/apps/console/main.js']);
  });
});

describe('the platform run from its images', () => {
  const launched: Launched = { serving: new Map(), migrateEnv: new Map() };
  const serving = launched.serving;
  let platform: Platform;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ label: 'images', launcher: imageLauncher(launched) });
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    await removeContainers();
  }, 60_000);

  it.each(SERVICES)('migrates %s with its image: `migrate` exits 0 again on a migrated database', async (service) => {
    // startPlatform already ran every migration once and failed on a non-zero exit; a second run must succeed too.
    const env = launched.migrateEnv.get(service)!;
    const again = imageLauncher({ serving: new Map(), migrateEnv: new Map() })(service, ['migrate'], env);
    const { stdout, stderr } = await engine.cli(again.args, { env: { ...process.env, ...env } });
    expect(`${stdout}${stderr}`).not.toMatch(/"level":"(error|fatal)"/);
  });

  it.each(SERVICES)('serves /healthz and /readyz of %s with 200 and passes the image HEALTHCHECK', async (service) => {
    for (const probe of ['/healthz', '/readyz']) expect({ probe, status: (await fetch(`${platform.urls[service]}${probe}`)).status }).toEqual({ probe, status: 200 });
    const healthcheck = JSON.parse(await engine.inspect(imageOf(service), '{{json .Config.Healthcheck.Test}}')) as string[];
    await engine.cli(['exec', serving.get(service)!, ...healthcheck.slice(1)]);
  });

  it.each(SERVICES)('runs %s as uid 1000 with no capabilities, no new privileges and a read-only root filesystem', async (service) => {
    await expectHardened(serving.get(service)!);
  });

  it('delivers one event end to end: callback registered, event accepted, signed POST received, delivery audited', async () => {
    // The catalog's example of a type is what POST /events takes as its data.
    const catalog = await call<{ event_types: Array<{ message_type: string; example: unknown }> }>(platform, 'subscription-service', ACCOUNT, 'GET', '/event_types');
    expect(catalog.status).toBe(200);
    const { message_type: messageType, example } = catalog.body.event_types[0]!;
    const [callback] = await registerCallbacks(platform, ACCOUNT, [{ url: receiver.url('/images'), message_type: messageType }]);
    await dispatcherViewHolds(platform, { callbacks: 1 });
    const messageId = await postEvent(platform, ACCOUNT, messageType, example);
    const request = await waitFor(() => receiver.requests.find((candidate) => candidate.path === '/images'), { timeoutMs: 30_000, label: 'the delivery at the receiver' });
    expect(verifyStandardWebhook({ headers: request.headers, body: request.body, secrets: [callback!.secret] })).toMatchObject({ ok: true });
    expect(request.body).toContain(messageId);
    await waitFor(async () => (await messageDeliveries(platform, ACCOUNT, messageId)).some((delivery) => delivery.status === 'delivered'), { timeoutMs: 30_000, label: 'the delivery audited' });
  });

  describe('the console in its image, in front of them', () => {
    const container = `hookmesh-images-${RUN}-console`;
    let base: string;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const env = {
        PORT: String(port),
        HOOKMESH_SUBSCRIPTION_URL: platform.urls['subscription-service'],
        HOOKMESH_INGEST_URL: platform.urls['event-ingest'],
        HOOKMESH_AUDIT_URL: platform.urls.audit,
      };
      // As k8s/base/console.yaml runs it; the console holds no secret, only where the three APIs are.
      await engine.cli(
        ['run', '-d', '--name', container, '--label', `${LABEL}=${RUN}`, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL',
          '--security-opt', 'no-new-privileges', ...Object.keys(env).flatMap((key) => ['-e', key]), imageOf('console')],
        { env: { ...process.env, ...env } },
      );
      await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, label: 'the console image ready' });
    }, 60_000);

    it('serves its probes, passes its HEALTHCHECK and serves the app under its Content-Security-Policy', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const healthcheck = JSON.parse(await engine.inspect(imageOf('console'), '{{json .Config.Healthcheck.Test}}')) as string[];
      await engine.cli(['exec', container, ...healthcheck.slice(1)]);
      const page = await fetch(`${base}/callbacks`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      const script = /<script[^>]+src="([^"]+)"/.exec(await page.text())?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${base}${script}`);
      expect({ status: asset.status, cache: asset.headers.get('cache-control') }).toEqual({ status: 200, cache: 'public, max-age=31536000, immutable' });
    });

    it("forwards the account API with the caller's token to the service it names", async () => {
      const token = await platform.token(ACCOUNT);
      const listed = await fetch(`${base}/api/subscription/${ACCOUNT}/api/v1/callbacks`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      const direct = await call<unknown>(platform, 'subscription-service', ACCOUNT, 'GET', '/callbacks');
      expect(await listed.json()).toEqual(direct.body);
      expect((await fetch(`${base}/api/subscription/${ACCOUNT}/api/v1/callbacks`)).status).toBe(401);
    });

    it('runs as uid 1000 with no capabilities, no new privileges and a read-only root filesystem', async () => {
      await expectHardened(container);
    });

    it('stops within 5 s of SIGTERM, with exit code 0', async () => {
      expect(await stopWithin5s(container)).toEqual({ exitCode: '0', within5s: true });
    });
  });

  it.each(SERVICES)('stops %s within 5 s of SIGTERM, with exit code 0', async (service) => {
    expect({ service, ...(await stopWithin5s(serving.get(service)!)) }).toEqual({ service, exitCode: '0', within5s: true });
  });
});
