import { randomInt } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Ports are taken from below Linux's ephemeral range (32768 and up), where every `listen(0)` and every outgoing
// connection's own port lands, so a receiver another suite binds to port 0 can never take a port handed out here.
const RANGE_START = 20_000;
const RANGE_SIZE = 12_000;
// Suites run side by side, each in its own process: a port handed out is claimed by a file, so no other process
// hands it out while its service is still starting. A claim older than this was left by a process that died.
const CLAIM_LIFETIME_MS = 60 * 60_000;
const CLAIMS = path.join(tmpdir(), 'hookmesh-test-ports');

const claimed = new Set<string>();
process.once('exit', () => {
  for (const file of claimed) rmSync(file, { force: true });
});

/** Creates the claim file; false when another process holds a live claim on the port. */
function claim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    if (Date.now() - statSync(file).mtimeMs < CLAIM_LIFETIME_MS) return false;
    rmSync(file, { force: true });
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that is free and that no other test process was given: claimed until this process
 * exits, so a service may be stopped and started again on it.
 */
export async function freePort(): Promise<number> {
  mkdirSync(CLAIMS, { recursive: true });
  for (let tries = 0; tries < 500; tries += 1) {
    const port = RANGE_START + randomInt(RANGE_SIZE);
    const file = path.join(CLAIMS, String(port));
    if (claimed.has(file) || !claim(file)) continue;
    if (await bindable(port)) {
      claimed.add(file);
      return port;
    }
    rmSync(file, { force: true });
  }
  throw new Error(`no free port between ${RANGE_START} and ${RANGE_START + RANGE_SIZE} after 500 tries`);
}
