// A real HTTP receiver for end-to-end tests: records every request (raw body and headers) and
// answers according to a behaviour the test can change while it runs.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = { path: string; headers: IncomingHttpHeaders; body: string; at: number };
export type Behaviour = (request: ReceivedRequest, countForPath: number) => { status: number; body?: string; headers?: Record<string, string> };

export type TestReceiver = {
  url(path?: string): string;
  requests: ReceivedRequest[];
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
};

export const alwaysOk: Behaviour = () => ({ status: 200, body: 'ok' });

/** Starts a receiver on a free loopback port. */
export async function startReceiver(initial: Behaviour = alwaysOk): Promise<TestReceiver> {
  let behaviour = initial;
  const requests: ReceivedRequest[] = [];
  const perPath = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(request);
      const count = (perPath.get(request.path) ?? 0) + 1;
      perPath.set(request.path, count);
      const answer = behaviour(request, count);
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = '/webhook') => `http://127.0.0.1:${port}${path}`,
    requests,
    setBehaviour(next) {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
