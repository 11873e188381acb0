// Listening and graceful shutdown: stop accepting, let in-flight requests finish, then cut what is left.
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface HttpServerOptions {
  /** Port to listen on; 0 picks a free one (read it back from the result). */
  port: number;
  host?: string;
  log: Logger;
  /** How long close() lets in-flight requests run before destroying their sockets; default 10 s. */
  shutdownTimeoutMs?: number;
}

/** A listening server and the way to stop it. */
export interface RunningHttpServer {
  server: Server;
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  /** Stops accepting, waits for in-flight requests (up to the deadline), closes keep-alive sockets. Idempotent. */
  close(): Promise<void>;
}

/** Starts `app` on host:port and resolves once it is listening. */
export async function startHttpServer(app: RequestListener, options: HttpServerOptions): Promise<RunningHttpServer> {
  const { port, host = '0.0.0.0', log, shutdownTimeoutMs = 10_000 } = options;
  const server = createServer();
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  // Registered before the app so the Connection header can still be set when the app answers synchronously.
  server.on('request', (_req, res: ServerResponse) => {
    if (closing !== undefined) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // A keep-alive socket becomes idle only after its response; close it now rather than at keepAliveTimeout.
      if (closing !== undefined) setImmediate(() => server.closeIdleConnections());
    });
  });
  server.on('request', app);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  log.info({ host, port: boundPort }, 'http server listening');

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      log.info({ in_flight: inFlight.size }, 'http server closing');
      for (const res of inFlight) {
        // Tell clients of requests still running not to reuse the connection.
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      const deadline = setTimeout(() => {
        log.warn({ in_flight: inFlight.size, timeout_ms: shutdownTimeoutMs }, 'shutdown deadline reached; destroying open connections');
        server.closeAllConnections();
      }, shutdownTimeoutMs);
      server.close((error) => {
        clearTimeout(deadline);
        if (error !== undefined) {
          reject(error);
          return;
        }
        log.info('http server closed');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { server, port: boundPort, close };
}
