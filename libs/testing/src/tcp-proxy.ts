// A TCP proxy on 127.0.0.1 that a test can cut, stall and restore: to the process behind it, the target
// (Postgres or NATS, say) is unreachable while cut, or silent while held, without touching the shared server.
import { Socket, createServer, type Server } from 'node:net';

export type TcpProxy = {
  /** The port clients connect to; stays the same across cut() and restore(). */
  readonly port: number;
  /** Stops listening and destroys every open connection: connects are refused until restore(). */
  cut(): Promise<void>;
  /** Listens again on the same port (a no-op while listening). */
  restore(): Promise<void>;
  /**
   * Stalls the link without closing it: bytes in both directions are held (not dropped, no reset) until release(),
   * the way a hung server or a black-holed route looks to a client. New connections are accepted and held too.
   */
  hold(): void;
  /** Delivers what was held and lets bytes flow again. */
  release(): void;
  /** Cuts for good. */
  close(): Promise<void>;
};

type Link = { client: Socket; upstream: Socket; connected: boolean };

/** Starts a proxy from a free loopback port to `target` (`{ host, port }`, host defaults to 127.0.0.1). */
export async function startTcpProxy(target: { port: number; host?: string }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const links = new Set<Link>();
  let server: Server | undefined;
  let port = 0;
  let held = false;

  const flow = (link: Link): void => {
    if (!link.connected || held) return;
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
  };
  const stall = (link: Link): void => {
    link.client.unpipe(link.upstream);
    link.upstream.unpipe(link.client);
    // Paused sockets stop reading, so the bytes wait in their buffers instead of being lost.
    link.client.pause();
    link.upstream.pause();
  };

  const listen = (): Promise<void> => {
    if (server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const next = createServer((client) => {
        const link: Link = { client, upstream: new Socket(), connected: false };
        links.add(link);
        client.pause();
        const drop = (): void => {
          link.client.destroy();
          link.upstream.destroy();
          links.delete(link);
        };
        client.on('error', drop).on('close', drop);
        link.upstream.on('error', drop).on('close', drop);
        link.upstream.connect(target.port, host, () => {
          link.connected = true;
          if (held) link.upstream.pause();
          flow(link);
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
    for (const link of links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    links.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    hold() {
      held = true;
      for (const link of links) stall(link);
    },
    release() {
      held = false;
      for (const link of links) flow(link);
    },
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
