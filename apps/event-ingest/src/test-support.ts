// Test helpers (imported only by *.test.ts): the real ingest app on 127.0.0.1:0 against a real NATS, and stream readers.
import { AuditRecord, EventRecord, natsNames, type NatsNames } from '@hookmesh/contracts';
import { createTokenVerifier, signDevToken, startHttpServer, type Scope } from '@hookmesh/http';
import { createSharedRateLimiter } from '@hookmesh/rate-limit';
import {
  connectNats,
  createPubAckInbox,
  jetstream,
  jetstreamManager,
  openKv,
  type JetStreamManager,
  type KV,
  type MsgHdrs,
  type NatsConnection,
} from '@hookmesh/messaging';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createApp, type AppDeps } from './app';
import { createIngestCatalog, startCatalogView } from './messaging/catalog';
import { ensureIngestStreams } from './messaging/events-stream';

export const TEST_JWT_SECRET = 'event-ingest-test-secret-of-at-least-32-bytes';

export interface TestIngest {
  url: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  names: NatsNames;
  registry: Registry;
  /** The subscription-state bucket the catalog is read from (tests put registered types here). */
  kv: KV;
  /** POSTs a JSON (or raw string) body to /:account/api/v1/events with a token for `account`. */
  postEvents(account: string, body: unknown, init?: { token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<Response>;
  /** Every message currently in EVENTS, oldest first. */
  storedEvents(): Promise<StoredEvent[]>;
  /** Every single record on AUDIT (event-ingest reports repeats there), oldest first. */
  auditRecords(): Promise<AuditRecord[]>;
  /** How many messages EVENTS holds. */
  storedCount(): Promise<number>;
  /** Creates EVENTS again the way main.ts does (after a test deleted it). */
  recreateStream(): Promise<void>;
  close(): Promise<void>;
}

export interface StoredEvent {
  subject: string;
  seq: number;
  header: MsgHdrs;
  record: EventRecord;
}

export interface StartTestIngestOptions {
  natsUrl: string;
  prefix: string;
  limits?: Partial<AppDeps['limits']>;
  publishTimeoutMs?: number;
  idempotencyWindowMs?: number;
  /** Shared over NATS like main.ts's; default high enough never to refuse. */
  rateLimits?: { requestsPerSecond: number; requestsBurst: number; eventsPerSecond: number; eventsBurst: number };
  log?: Logger;
}

/** A bearer token for `account`; every scope unless `scopes` says otherwise. */
export function tokenFor(account: string, scopes?: readonly Scope[]): Promise<string> {
  return signDevToken({ secret: TEST_JWT_SECRET, account, ...(scopes === undefined ? {} : { scopes }) });
}

/** Connects to NATS, sets up EVENTS under the prefix the way main.ts does, and serves the app on an ephemeral port. */
export async function startTestIngest(options: StartTestIngestOptions): Promise<TestIngest> {
  const log = options.log ?? pino({ level: 'silent' });
  const names = natsNames(options.prefix);
  const nc = await connectNats({ servers: options.natsUrl, name: 'event-ingest-test', log });
  const jsm = await jetstreamManager(nc);
  const recreateStream = (): Promise<void> =>
    ensureIngestStreams(jsm, { prefix: options.prefix, maxAgeMs: 3_600_000, duplicateWindowMs: options.idempotencyWindowMs ?? 600_000, replicas: 1 });
  await recreateStream();
  const js = jetstream(nc);
  const kv = await openKv(js, names.kv.bucket);
  const catalog = createIngestCatalog({ kv, view: await startCatalogView({ kv, names, log }), names, log });
  const registry = new Registry();
  const rates = options.rateLimits ?? { requestsPerSecond: 10_000, requestsBurst: 10_000, eventsPerSecond: 100_000, eventsBurst: 100_000 };
  const rateLimiters = {
    requests: createSharedRateLimiter({ nc, subject: names.rateLimitSubject('event-ingest.requests'), ratePerSecond: rates.requestsPerSecond, burst: rates.requestsBurst, syncIntervalMs: 20, log }),
    events: createSharedRateLimiter({ nc, subject: names.rateLimitSubject('event-ingest.events'), ratePerSecond: rates.eventsPerSecond, burst: rates.eventsBurst, syncIntervalMs: 20, log }),
  };
  const app = createApp({
    log,
    registry,
    nc,
    // Each event's PubAck comes back on the connection's own inbox: cheaper per publish than nats.js's request path.
    js: createPubAckInbox(nc),
    jsm,
    names,
    catalog,
    verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }),
    rateLimiters,
    limits: { maxBatch: options.limits?.maxBatch ?? 500, maxBodyBytes: options.limits?.maxBodyBytes ?? 1024 * 1024 },
    publishTimeoutMs: options.publishTimeoutMs ?? 2_000,
  });
  const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', log, shutdownTimeoutMs: 2_000 });
  const url = `http://127.0.0.1:${server.port}`;

  async function storedCount(): Promise<number> {
    return (await jsm.streams.info(names.streams.events)).state.messages;
  }

  return {
    url,
    nc,
    jsm,
    names,
    registry,
    kv,
    async postEvents(account, body, init = {}) {
      const token = init.token === undefined ? await tokenFor(account) : init.token;
      return fetch(`${url}/${account}/api/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...init.headers,
        },
        body: init.raw ?? JSON.stringify(body),
      });
    },
    storedCount,
    recreateStream,
    async storedEvents() {
      const { state } = await jsm.streams.info(names.streams.events);
      if (state.messages === 0) return [];
      const seqs = Array.from({ length: state.last_seq - state.first_seq + 1 }, (_, i) => state.first_seq + i);
      const messages = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(names.streams.events, { seq })));
      return messages
        .filter((message) => message !== null)
        .map((message) => ({ subject: message.subject, seq: message.seq, header: message.header, record: EventRecord.parse(message.json()) }));
    },
    async auditRecords() {
      const { state } = await jsm.streams.info(names.streams.audit);
      if (state.messages === 0) return [];
      const seqs = Array.from({ length: state.last_seq - state.first_seq + 1 }, (_, i) => state.first_seq + i);
      const messages = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(names.streams.audit, { seq })));
      return messages.filter((message) => message !== null).map((message) => AuditRecord.parse(message.json()));
    },
    async close() {
      await server.close();
      await catalog.stop();
      await Promise.all([rateLimiters.requests.close(), rateLimiters.events.close()]);
      await nc.drain();
    },
  };
}
