// A TCP proxy on 127.0.0.1 that a test can cut and restore: to the process behind it, the target
// (Postgres, say) is unreachable while cut, without touching the shared server.
import { Socket, createServer, type Server } from 'node:net';

export type TcpProxy = {
  /** The port clients connect to; stays the same across cut() and restore(). */
  readonly port: number;
  /** Stops listening and destroys every open connection: connects are refused until restore(). */
  cut(): Promise<void>;
  /** Listens again on the same port (a no-op while listening). */
  restore(): Promise<void>;
  /** Cuts for good. */
  close(): Promise<void>;
};

/** Starts a proxy from a free loopback port to `target` (`{ host, port }`, host defaults to 127.0.0.1). */
export async function startTcpProxy(target: { port: number; host?: string }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = (): Promise<void> => {
    if (server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        const drop = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        upstream.connect(target.port, host, () => {
          client.pipe(upstream);
          upstream.pipe(client);
        });
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        const address = next.address();
        port = typeof address === 'object' && address !== null ? address.port : port;
        resolve();
      });
    });
  };

  const cut = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    close: cut,
  };
}

/** The same Postgres URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: Pick<TcpProxy, 'port'>): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
