// Postgres and NATS for a test run in containers (testcontainers), for a machine that has a container engine but
// no local servers: started once per run (jest globalSetup, or `npm test` around every project), shared by every
// test file through DATABASE_URL / NATS_URL, and removed at the end whatever happened.
import { hostname } from 'node:os';
import { dockerAnswers } from './docker';

/** The images the fallback starts (docker/compose.yaml and k8s/ run the same NATS version). */
export const POSTGRES_IMAGE = 'postgres:16-alpine';
export const NATS_IMAGE = 'nats:2.10.24-alpine';

/** Every container of this fallback carries this label, valued `<pid>@<host>` of the process that owns it. */
export const OWNER_LABEL = 'dev.hookmesh.test-services';

export type TestServices = {
  /** What was started: only the dependencies the environment did not name already. */
  started: Array<'postgres' | 'nats'>;
  /** DATABASE_URL and NATS_URL of the run (the given ones, or the containers'). */
  env: { DATABASE_URL: string; NATS_URL: string };
  /** Removes the containers (a no-op when none was started); safe to call twice. */
  stop(): Promise<void>;
};

const HOW_TO = [
  'Integration tests need PostgreSQL and NATS with JetStream. Provide either:',
  '  - DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (a user that may CREATE DATABASE) and',
  '    NATS_URL=nats://127.0.0.1:4222 (a nats-server started with -js), or',
  '  - a container engine: Docker, or podman with DOCKER_HOST=unix:///run/podman/podman.sock and',
  `    TESTCONTAINERS_RYUK_DISABLED=true (testcontainers then starts ${POSTGRES_IMAGE} and ${NATS_IMAGE}).`,
].join('\n');

const owner = () => `${process.pid}@${hostname()}`;

/** Whether a process of this host is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes containers of earlier runs on this host whose owner is gone: with Ryuk disabled (podman) nothing else
 * would, and a run killed before its teardown leaves them behind.
 */
async function removeOrphans(): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const containers = await client.container.list();
  for (const info of containers) {
    const value = info.Labels?.[OWNER_LABEL];
    if (value === undefined) continue;
    const [pid, host] = value.split('@');
    if (host !== hostname() || alive(Number(pid))) continue;
    await client.container.getById(info.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function startPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { Wait } = await import('testcontainers');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withLabels({ [OWNER_LABEL]: owner() })
    // Instead of the image's HEALTHCHECK, which podman runs only under systemd: the server answers on TCP, which
    // it does only once initialisation (on a Unix socket) is over.
    .withWaitStrategy(Wait.forAll([Wait.forListeningPorts(), Wait.forSuccessfulCommand('pg_isready -h 127.0.0.1 -p 5432 -U test -d test')]))
    .withCommand(['postgres', '-c', 'max_connections=400', '-c', 'fsync=off'])
    .start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop({ remove: true, removeVolumes: true })) };
}

async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // No auth (@testcontainers/nats always sets a user and password, which every test connection would then need).
  // The image declares 4222, 6222 and 8222 and podman reports all three, so all three are exposed; readiness is the
  // server's own "ready" line, not a wait for ports a single server without a cluster never opens (6222).
  const container = await new GenericContainer(NATS_IMAGE)
    .withLabels({ [OWNER_LABEL]: owner() })
    .withCommand(['-js', '-m', '8222'])
    .withExposedPorts(4222, 6222, 8222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return { url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`, stop: async () => void (await container.stop({ remove: true, removeVolumes: true })) };
}

/**
 * The dependencies of a test run: the environment's DATABASE_URL and NATS_URL where set, containers for the
 * others when an engine answers, a clear error otherwise. Sets nothing in process.env (the caller passes it on).
 */
export async function startTestServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const needPostgres = !env['DATABASE_URL'];
  const needNats = !env['NATS_URL'];
  if (!needPostgres && !needNats) {
    return { started: [], env: { DATABASE_URL: env['DATABASE_URL']!, NATS_URL: env['NATS_URL']! }, stop: async () => undefined };
  }
  if (!(await dockerAnswers())) throw new Error(HOW_TO);
  await removeOrphans();
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    await Promise.all(stops.splice(0).map((stop) => stop().catch(() => undefined)));
  };
  const [postgres, nats] = await Promise.allSettled([needPostgres ? startPostgres() : undefined, needNats ? startNats() : undefined]);
  for (const result of [postgres, nats]) if (result.status === 'fulfilled' && result.value) stops.push(result.value.stop);
  for (const result of [postgres, nats]) {
    if (result.status === 'rejected') {
      await stopAll();
      throw new Error(`${HOW_TO}\nA test container did not start: ${String(result.reason)}`, { cause: result.reason });
    }
  }
  const postgresUrl = postgres.status === 'fulfilled' ? postgres.value?.url : undefined;
  const natsUrl = nats.status === 'fulfilled' ? nats.value?.url : undefined;
  let stopped: Promise<void> | undefined;
  return {
    started: [...(postgresUrl ? (['postgres'] as const) : []), ...(natsUrl ? (['nats'] as const) : [])],
    env: { DATABASE_URL: postgresUrl ?? env['DATABASE_URL']!, NATS_URL: natsUrl ?? env['NATS_URL']! },
    stop: () => (stopped ??= stopAll()),
  };
}

let forThisProcess: Promise<TestServices> | undefined;

/**
 * For a process whose run provided no URLs (a script such as the bench, or jest without the preset's globalSetup):
 * containers for this process alone, removed when it exits normally (a later run removes them otherwise).
 */
export function servicesForThisProcess(): Promise<TestServices> {
  forThisProcess ??= startTestServices().then((services) => {
    process.env['DATABASE_URL'] ??= services.env.DATABASE_URL;
    process.env['NATS_URL'] ??= services.env.NATS_URL;
    process.once('beforeExit', () => void services.stop());
    return services;
  });
  return forThisProcess;
}

export { HOW_TO as TEST_SERVICES_HOW_TO };
