// A real HTTP receiver for end-to-end tests: records every request (raw body and headers) and
// answers according to a behaviour the test can change while it runs: at once, late, never, or by
// resetting the connection. Each record says how it ended, so a ledger can tell a delivery the
// sender saw answered from one whose sender was gone before the answer.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a request ended: `answered` (the response was written to a live connection), `reset`
 * (the receiver destroyed the socket), `abandoned` (the sender closed the connection before the
 * answer, e.g. it timed out or was killed), or still `pending`.
 */
export type RequestOutcome = 'pending' | 'answered' | 'reset' | 'abandoned';

export type ReceivedRequest = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  outcome: RequestOutcome;
  /** The status answered, once `outcome` is `answered`. */
  status?: number;
};

/** An HTTP answer, optionally after `delayMs`; or `{ reset: true }` to destroy the connection instead. */
export type Answer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | { reset: true; delayMs?: number };
export type Behaviour = (request: ReceivedRequest, countForPath: number) => Answer | Promise<Answer>;

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
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), outcome: 'pending' };
      requests.push(request);
      const count = (perPath.get(request.path) ?? 0) + 1;
      perPath.set(request.path, count);
      res.on('close', () => {
        if (request.outcome === 'pending') request.outcome = 'abandoned';
      });
      const respond = (answer: Answer): void => {
        if (request.outcome !== 'pending') return;
        // A sender that died (SIGKILL) or gave up has closed its side: an answer now would reach no one.
        if (res.destroyed || req.socket.destroyed || req.socket.readableEnded) {
          request.outcome = 'abandoned';
          req.socket.destroy();
          return;
        }
        if ('reset' in answer) {
          request.outcome = 'reset';
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '', () => {
          request.outcome = 'answered';
          request.status = answer.status;
        });
      };
      void Promise.resolve(behaviour(request, count)).then((answer) => {
        if (!answer.delayMs) return respond(answer);
        const timer = setTimeout(() => {
          timers.delete(timer);
          respond(answer);
        }, answer.delayMs);
        timers.add(timer);
      });
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
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
