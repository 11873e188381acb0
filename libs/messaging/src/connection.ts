import type { NatsConnection } from '@nats-io/transport-node';
import { connectCoalesced } from './coalesced-transport';
import type { Logger } from 'pino';

export type { NatsConnection } from '@nats-io/transport-node';

export type ConnectNatsOptions = {
  /** Comma-separated server URLs (NATS_URL); `nats://user:password@host:4222` authenticates as that user. */
  servers: string;
  /** Connection name shown by the server (service name and pid). */
  name: string;
  log: Logger;
};

/**
 * Connects to NATS and keeps reconnecting forever: a service outlives a NATS restart
 * and reports not-ready meanwhile instead of exiting. Status changes are logged once each.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const { servers, user, pass } = natsServersAndCredentials(options.servers);
  const nc = await connectCoalesced({
    servers,
    ...(user === undefined ? {} : { user, pass }),
    name: `${options.name}:${process.pid}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 5_000,
    pingInterval: 10_000,
    // Async traces make every request (each JetStream publish) build two Error objects with stack traces up front,
    // ~9 % of the dispatcher's CPU in the end-to-end benchmark (docs/benchmarks.md); our errors carry their own context.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        options.log.warn({ nats_status: status.type, server: 'server' in status ? status.server : undefined }, `nats ${status.type}`);
      }
    }
  })();
  return nc;
}

/** Resolves when the server answers a ping within the timeout (readiness checks); rejects otherwise. */
export async function pingNats(nc: NatsConnection, timeoutMs = 2_000): Promise<void> {
  if (nc.isClosed()) throw new Error('nats connection is closed');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      nc.flush(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nats did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Splits NATS_URL into server addresses and the user and password its URLs carry: nats.js does not read credentials
 * from a server URL, and the server list it gossips must not carry them either. Every URL that names a user must
 * name the same one.
 */
export function natsServersAndCredentials(urls: string): { servers: string[]; user?: string; pass?: string } {
  const servers: string[] = [];
  const credentials = new Set<string>();
  let user: string | undefined;
  let pass: string | undefined;
  for (const entry of urls.split(',').map((server) => server.trim()).filter(Boolean)) {
    const match = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(entry);
    if (match === null) {
      servers.push(entry);
      continue;
    }
    const [userPart = '', passPart = ''] = match[2]!.split(/:(.*)/s);
    user = decodeURIComponent(userPart);
    pass = decodeURIComponent(passPart);
    credentials.add(`${user}\n${pass}`);
    servers.push(`${match[1]}${match[3]}`);
  }
  if (credentials.size > 1) throw new Error('NATS_URL names different credentials for different servers');
  return user === undefined ? { servers } : { servers, user, pass: pass ?? '' };
}
