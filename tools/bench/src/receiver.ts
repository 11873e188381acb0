// The benchmark's webhook receiver, run as its own process (receiver-main.ts) so it never shares an event loop
// with the load generator. It verifies nothing and parses no body: it reads the body (so the connection is reused),
// answers 200, and records per (path, webhook-id) how often it arrived and when first. The ceiling measurement
// posts to this same receiver, so whatever it costs is in both numbers of the ratio.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One (path, webhook-id) the receiver saw: how many times, and the wall-clock ms of the first arrival. */
export type Arrival = { path: string; webhookId: string; count: number; firstAt: number };

/** Totals since the last reset. */
export type ReceiverSummary = { requests: number; unique: number; duplicates: number; lastAt: number };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

const CONTROL = '/_bench/';

/** Starts the counting receiver on 127.0.0.1 (port 0 = any free port); with `delayMs`, each answer waits that long (a slow endpoint). */
export async function startCountingReceiver(port = 0, delayMs = 0): Promise<{ server: Server; port: number }> {
  let arrivals = new Map<string, Arrival>();
  let requests = 0;
  let lastAt = 0;

  function control(req: IncomingMessage, res: ServerResponse, path: string): void {
    const url = new URL(path, 'http://receiver');
    if (url.pathname === `${CONTROL}summary`) {
      const summary: ReceiverSummary = { requests, unique: arrivals.size, duplicates: requests - arrivals.size, lastAt };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
    } else if (url.pathname === `${CONTROL}arrivals`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([...arrivals.values()]));
    } else if (url.pathname === `${CONTROL}reset` && req.method === 'POST') {
      arrivals = new Map();
      requests = 0;
      lastAt = 0;
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  }

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith(CONTROL)) {
      req.resume();
      req.on('end', () => control(req, res, path));
      return;
    }
    // Arrival is when the request head is in: the body (~1 kB) follows in the same packet or the next.
    const at = wallClockMs();
    const header = req.headers['webhook-id'];
    const webhookId = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
    req.resume();
    req.on('end', () => {
      requests += 1;
      lastAt = at;
      const key = `${path} ${webhookId}`;
      const seen = arrivals.get(key);
      if (seen === undefined) arrivals.set(key, { path, webhookId, count: 1, firstAt: at });
      else seen.count += 1;
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  // Longer than any pause in a run, so the dispatcher's and the ceiling client's pools keep their connections.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
