// The delivery worker's HTTP client against real sockets on loopback: the deadline holds even before a connection
// is made, a long body is cut to its excerpt, informational answers are skipped, failures come back classified, and an
// attempt that gets its connection after its rate window's last moment is not sent.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@hookmesh/testing';
import { createWebhookClient, type WebhookClient } from './webhook-client';

const portOf = (server: Server | TcpServer) => (server.address() as AddressInfo).port;
const listen = async <T extends Server | TcpServer>(server: T): Promise<T> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};
const close = (server: Server | TcpServer) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('the webhook client', () => {
  let client: WebhookClient;
  const sockets = new Set<Socket>();

  beforeEach(() => {
    client = createWebhookClient({ allowPrivateTargets: true, connectionsPerOrigin: 2, excerptMaxBytes: 16 });
  });
  afterEach(async () => {
    await client.close();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });

  it('answers timeout at the deadline while the TLS handshake never completes', async () => {
    // Accepts the TCP connection and never says a word: undici's own connect timeout is ten seconds.
    const silent = await listen(createTcpServer((socket) => sockets.add(socket)));
    try {
      const started = Date.now();
      const result = await client.send({ url: `https://127.0.0.1:${portOf(silent)}/hook`, headers: {}, body: Buffer.from('{}'), timeoutMs: 300 });
      expect(result).toMatchObject({ kind: 'error', errorClass: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await close(silent);
    }
  });

  it('fails at once past connectionsPerOrigin attempts still waiting for a connection to one origin, until those are let go', async () => {
    const silent = await listen(createTcpServer((socket) => sockets.add(socket)));
    const url = `https://127.0.0.1:${portOf(silent)}/hook`;
    const attempt = () => client.send({ url, headers: {}, body: Buffer.from('{}'), timeoutMs: 200 });
    try {
      // Two (connectionsPerOrigin) answered at their deadline while undici still waits for their connections.
      expect(await Promise.all([attempt(), attempt()])).toMatchObject([{ errorClass: 'timeout' }, { errorClass: 'timeout' }]);
      // The next is refused before it queues behind them.
      expect(await attempt()).toMatchObject({ kind: 'error', errorClass: 'connect', message: expect.stringContaining('still waiting for a connection'), latencyMs: 0 });
      // The endpoint hangs up: the waiting connections fail, and the origin is taken again.
      for (const socket of sockets) socket.destroy();
      const again = await waitFor(async () => {
        const result = await attempt();
        return result.kind === 'error' && result.message.includes('still waiting') ? undefined : result;
      }, { timeoutMs: 5_000, intervalMs: 50, label: 'the origin taken again' });
      expect(again).toMatchObject({ kind: 'error' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await close(silent);
    }
  });

  it('keeps the first bytes of a long body as the excerpt, skips a 102, and returns the final status and headers', async () => {
    const received: string[] = [];
    const server = await listen(
      createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push(`${req.method} ${req.url} ${req.headers['x-test']} ${Buffer.concat(chunks).toString('utf8')}`);
          res.writeProcessing();
          res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' });
          res.end('x'.repeat(1_000_000));
        });
      }),
    );
    try {
      const result = await client.send({ url: `http://127.0.0.1:${portOf(server)}/hook?a=1`, headers: { 'x-test': 'yes', 'content-type': 'application/json' }, body: Buffer.from('{"n":1}'), timeoutMs: 5_000 });
      expect(result).toMatchObject({ kind: 'response', status: 503, excerpt: 'x'.repeat(16) });
      expect(result.kind === 'response' && result.headers['retry-after']).toBe('7');
      expect(received).toEqual(['POST /hook?a=1 yes {"n":1}']);
      // The client is still usable after cutting a body off.
      const again = await client.send({ url: `http://127.0.0.1:${portOf(server)}/again`, headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000 });
      expect(again).toMatchObject({ kind: 'response', status: 503 });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('reads a short body whole and classifies a refused connection as connect', async () => {
    const server = await listen(createHttpServer((_req, res) => res.writeHead(200).end('ok')));
    const port = portOf(server);
    try {
      expect(await client.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000 })).toMatchObject({ kind: 'response', status: 200, excerpt: 'ok' });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
    const refused = await client.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000 });
    expect(refused).toMatchObject({ kind: 'error', errorClass: 'connect' });
  });

  it("sends nothing of an attempt that gets its connection only after its startBy, and sends one that gets it in time", async () => {
    const received: string[] = [];
    const server = await listen(
      createHttpServer((req, res) => {
        received.push(String(req.url));
        // The first answer takes 400 ms, holding both connections of the origin (connectionsPerOrigin is 2).
        setTimeout(() => res.writeHead(200).end('ok'), req.url === '/slow' ? 400 : 0);
      }),
    );
    const url = (path: string) => `http://127.0.0.1:${portOf(server)}${path}`;
    try {
      const slow = [client.send({ url: url('/slow'), headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000 }), client.send({ url: url('/slow'), headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000 })];
      await waitFor(() => received.length === 2, { timeoutMs: 5_000, label: 'both connections busy' });
      const [late, inTime] = await Promise.all([
        client.send({ url: url('/late'), headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000, startBy: Date.now() + 100 }),
        client.send({ url: url('/in-time'), headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000, startBy: Date.now() + 3_000 }),
      ]);
      expect(late).toMatchObject({ kind: 'window_closed' });
      expect(inTime).toMatchObject({ kind: 'response', status: 200 });
      expect(await Promise.all(slow)).toMatchObject([{ status: 200 }, { status: 200 }]);
      expect(received.sort()).toEqual(['/in-time', '/slow', '/slow']);
      // Nothing of the late one reached the server, and the connection it would have taken still works.
      expect(await client.send({ url: url('/after'), headers: {}, body: Buffer.from('{}'), timeoutMs: 5_000, startBy: Date.now() + 1_000 })).toMatchObject({ kind: 'response', status: 200 });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });
});
