import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort } from './ports';

export type OwnNatsServer = {
  url: string;
  port: number;
  dataDir: string;
  /** Kills the process (SIGKILL by default) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data folder; a no-op while it runs (a second process would be orphaned). */
  start(): Promise<void>;
  /** Stops it and deletes its data folder. */
  destroy(): Promise<void>;
};

/** Locates nats-server: NATS_SERVER_BIN, then PATH, then Debian's /usr/sbin. */
export function natsServerBinary(): string {
  const candidates = [
    process.env['NATS_SERVER_BIN'],
    ...(process.env['PATH'] ?? '').split(':').map((dir) => path.join(dir, 'nats-server')),
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('fault tests need a nats-server binary (apt-get install nats-server, or set NATS_SERVER_BIN)');
  return found;
}

/**
 * Starts a private nats-server with JetStream on a free loopback port, for tests that
 * kill and restart NATS (never the shared server), or that need one with a user and password (`auth`).
 */
export async function startOwnNatsServer(options: { auth?: { user: string; pass: string } } = {}): Promise<OwnNatsServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hm-nats-'));
  const binary = natsServerBinary();
  let child: ChildProcess | undefined;
  let starting: Promise<void> | undefined;

  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  function start(): Promise<void> {
    if (starting) return starting;
    if (running()) return Promise.resolve();
    starting = spawnAndWait().finally(() => {
      starting = undefined;
    });
    return starting;
  }

  async function spawnAndWait(): Promise<void> {
    const auth = options.auth ? ['--user', options.auth.user, '--pass', options.auth.pass] : [];
    const spawned = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir, ...auth], { stdio: 'ignore' });
    child = spawned;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawned.exitCode !== null) throw new Error(`own nats-server on ${port} exited with ${spawned.exitCode} while starting`);
      try {
        const nc = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500, reconnect: false, ...options.auth });
        await nc.close();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`own nats-server did not start on ${port}: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (starting) await starting.catch(() => undefined);
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill(signal);
    });
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dataDir,
    stop,
    start,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
