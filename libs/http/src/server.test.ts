import { request } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { startTestApp } from './test-support';

/** Resolves with the status of a request on a fresh connection, or rejects (e.g. ECONNREFUSED). */
function freshConnectionStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startHttpServer', () => {
  it('binds an ephemeral port when asked for port 0', async () => {
    const app = await startTestApp({ routes: () => undefined });
    expect(app.port).toBeGreaterThan(0);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await app.close();
  });

  it('lets an in-flight request finish on close and stops accepting new connections', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const app = await startTestApp({
      routes: (express) => {
        express.get('/slow', async (_req, res) => {
          arrived();
          await new Promise((resolve) => setTimeout(resolve, 300));
          res.json({ finished: true });
        });
      },
    });
    const slow = fetch(`${app.url}/slow`);
    await requestArrived;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await expect(freshConnectionStatus(app.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('closes idle keep-alive connections instead of waiting for their timeout', async () => {
    const app = await startTestApp({ routes: () => undefined });
    // fetch keeps its connection alive in a pool after this request.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('destroys connections still open when the shutdown deadline passes', async () => {
    // startTestApp uses a 2 s shutdown deadline.
    const app = await startTestApp({
      routes: (express) => {
        express.get('/hang', () => new Promise<void>(() => undefined));
      },
    });
    const hanging = fetch(`${app.url}/hang`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await app.close();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4000);
    expect(await hanging).toBe('cut');
  });
});
