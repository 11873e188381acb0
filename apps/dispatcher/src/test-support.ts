// Integration-test helpers (imported by *.int.test.ts only): a real dispatcher on its own stream prefix,
// callbacks written into the KV bucket, events published to EVENTS, local HTTP(S) receivers, and stream readers.
import {
  AuditMessage,
  auditRecordsOf,
  ControlCommand,
  eventMsgId,
  eventTypes,
  generateSecret,
  natsNames,
  newMessageId,
  parseSecretsKey,
  sealSecret,
  type AuditRecord,
  type CallbackState,
  type EventRecord,
  type HoldState,
  isBuiltinMessageType,
  type MessageType,
  type NatsNames,
  type SealingKey,
} from '@hookmesh/contracts';
import type { Resolver } from '@hookmesh/egress';
import {
  connectNats,
  jetstream,
  jetstreamManager,
  openKv,
  publishJson,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type NatsConnection,
} from '@hookmesh/messaging';
import type { SubscriptionView } from '@hookmesh/subscription-view';
import { createTestNats, waitFor, type TestNats } from '@hookmesh/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher';
import { ensureDispatcherStreams } from './messaging/streams';

/** A logger that keeps its JSON lines so a test can assert on operator-visible events. */
export function captureLog(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) });
  return { log, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export interface NatsHarness {
  testNats: TestNats;
  names: NatsNames;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: KV;
  keys: SealingKey[];
  /** Connections opened for extra dispatchers, drained in close(). */
  extraConnections: NatsConnection[];
  /** Views of the dispatchers started on this harness: KV writes wait until each has seen them. */
  views: SubscriptionView[];
  /** Stops of the dispatchers started on this harness, so close() ends those a failed test left running. */
  stops: Set<() => Promise<void>>;
  close(): Promise<void>;
}

/** A unique stream prefix with the dispatcher's streams and the KV bucket, and a test-side connection. */
export async function startNatsHarness(label: string): Promise<NatsHarness> {
  const testNats = await createTestNats(label);
  const names = natsNames(testNats.prefix);
  const nc = await connectNats({ servers: testNats.url, name: `${label}-test`, log: pino({ level: 'silent' }) });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureDispatcherStreams(jsm, { prefix: testNats.prefix, maxAgeMs: 3_600_000, duplicateWindowMs: 120_000, replicas: 1 });
  const kv = await openKv(js, names.kv.bucket);
  const harness: NatsHarness = {
    testNats,
    names,
    nc,
    js,
    jsm,
    kv,
    keys: parseSecretsKey(`k1:${randomBytes(32).toString('base64')}`),
    extraConnections: [],
    views: [],
    stops: new Set(),
    async close() {
      await Promise.all([...harness.stops].map((stop) => stop().catch(() => undefined)));
      await Promise.all(harness.extraConnections.map((conn) => conn.drain().catch(() => undefined)));
      await nc.drain();
      await testNats.cleanup();
    },
  };
  return harness;
}

export type TestDispatcherOptions = Partial<Omit<DispatcherOptions, 'delivery' | 'concurrency' | 'circuit' | 'egress'>> & {
  delivery?: Partial<DispatcherOptions['delivery']>;
  concurrency?: Partial<DispatcherOptions['concurrency']>;
  circuit?: Partial<DispatcherOptions['circuit']>;
  egress?: Partial<DispatcherOptions['egress']>;
};

/** A dispatcher with millisecond test settings and its own NATS connection (as a separate process would have). */
export async function startTestDispatcher(harness: NatsHarness, options: TestDispatcherOptions = {}): Promise<Dispatcher & { registry: Registry; nc: NatsConnection }> {
  const log = options.log ?? pino({ level: 'silent' });
  const nc = await connectNats({ servers: harness.testNats.url, name: 'dispatcher-under-test', log });
  harness.extraConnections.push(nc);
  const registry = options.registry ?? new Registry();
  const dispatcher = await createDispatcher({
    nc,
    names: harness.names,
    log,
    registry,
    secretsKeys: harness.keys,
    maxAckPending: 20_000,
    ...options,
    delivery: {
      schedule: [0, 30, 60],
      timeoutMs: 2_000,
      retryAfterMaxMs: 5_000,
      holdRecheckMs: 100,
      busyRecheckMs: 50,
      progressIntervalMs: 200,
      headerPrefix: 'X-Hookmesh',
      userAgent: 'Hookmesh-Webhook/1.0',
      excerptMaxBytes: 2048,
      ...options.delivery,
    },
    concurrency: { overall: 32, perCallback: 10, fanout: 8, connectionsPerOrigin: 10, ...options.concurrency },
    circuit: { threshold: 1_000, cooldownMs: 60_000, disableAfterMs: 86_400_000, ...options.circuit },
    egress: { allowPrivateTargets: true, ...options.egress },
  });
  harness.views.push(dispatcher.view);
  const stopDispatcher = dispatcher.stop.bind(dispatcher);
  // A stopped dispatcher's view sees no more writes: KV writes stop waiting for it.
  const stop = async () => {
    harness.stops.delete(stop);
    const at = harness.views.indexOf(dispatcher.view);
    if (at >= 0) harness.views.splice(at, 1);
    await stopDispatcher();
  };
  harness.stops.add(stop);
  return Object.assign(dispatcher, { registry, nc, stop });
}

/** Writes a callback into the KV bucket as the subscription-service would; returns its plaintext secret. */
export async function putCallback(
  harness: NatsHarness,
  fields: Partial<CallbackState> &
    Pick<CallbackState, 'account' | 'url'> & { plainToken?: string; plainSecrets?: Array<{ secret: string; expires_at?: string; format?: 'whsec' | 'plain' }> },
): Promise<{ state: CallbackState; secret: string }> {
  const { plainToken, plainSecrets, ...rest } = fields;
  const key = harness.keys[0]!;
  const secrets = plainSecrets ?? [{ secret: generateSecret() }];
  const state: CallbackState = {
    id: newMessageId(),
    message_type: 'orderEvent',
    api_version: '1.0',
    status: 'active',
    secrets: secrets.map((entry) => ({
      secret: sealSecret(entry.secret, key),
      ...(entry.expires_at ? { expires_at: entry.expires_at } : {}),
      ...(entry.format ? { format: entry.format } : {}),
    })),
    profile: 'standard',
    signed: true,
    updated_at: new Date().toISOString(),
    ...(plainToken === undefined ? {} : { token: sealSecret(plainToken, key) }),
    ...rest,
  };
  await harness.kv.put(harness.names.kv.callbackKey(state.account, state.id), JSON.stringify(state));
  // An event published before a view has seen the callback would (rightly) fan out to nobody.
  await waitFor(() => harness.views.every((view) => view.callback(state.account, state.id)?.updated_at === state.updated_at), {
    label: `callback ${state.id} in every view`,
  });
  return { state, secret: secrets[0]!.secret };
}

/** Writes a hold into the KV bucket; deleteHold releases it. */
export async function putHold(harness: NatsHarness, account: string, messageType: MessageType, expiresAt: Date | null = null): Promise<void> {
  const hold: HoldState = { account, message_type: messageType, reason: 'test hold', created_at: new Date().toISOString(), expires_at: expiresAt?.toISOString() ?? null };
  await harness.kv.put(harness.names.kv.holdKey(account, messageType), JSON.stringify(hold));
  await waitFor(() => harness.views.every((view) => view.activeHold(account, messageType)?.created_at === hold.created_at), { label: 'hold in every view' });
}

export async function deleteHold(harness: NatsHarness, account: string, messageType: MessageType): Promise<void> {
  await harness.kv.delete(harness.names.kv.holdKey(account, messageType));
  await waitFor(() => harness.views.every((view) => view.activeHold(account, messageType) === undefined), { label: 'hold released in every view' });
}

/** Publishes an EventRecord to EVENTS as event-ingest would (seed example data by default). */
export async function publishEvent(harness: NatsHarness, account: string, messageType: MessageType = 'orderEvent', data?: unknown): Promise<EventRecord> {
  return (await publishKeyedEvent(harness, account, messageType, data, undefined)).record;
}

/** Publishes an EventRecord as event-ingest does, on its ordering key's subject when it has one; with its EVENTS sequence. */
export async function publishKeyedEvent(
  harness: NatsHarness,
  account: string,
  messageType: MessageType,
  data: unknown,
  orderingKey: string | undefined,
): Promise<{ record: EventRecord; seq: number }> {
  const record: EventRecord = {
    message_id: newMessageId(),
    account,
    message_type: messageType,
    api_version: '1.0',
    data: data ?? (isBuiltinMessageType(messageType) ? eventTypes[messageType].example.data : {}),
    ingested_at: new Date().toISOString(),
    ...(orderingKey === undefined ? {} : { ordering_key: orderingKey }),
  };
  const ack = await publishJson(harness.js, harness.names.eventSubject(account, messageType, orderingKey), record, { msgID: eventMsgId(record) });
  return { record, seq: ack.seq };
}

/** The sequence EVENTS gives the next event: what the subscription-service sets as a new ordered callback's start. */
export async function nextEventSeq(harness: NatsHarness): Promise<number> {
  return (await harness.jsm.streams.info(harness.names.streams.events)).state.last_seq + 1;
}

/** Whether a NATS subject matches a filter with `*` and `>` wildcards. */
function subjectMatches(filter: string, subject: string): boolean {
  const want = filter.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i += 1) {
    if (want[i] === '>') return have.length > i;
    if (have[i] === undefined || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

/**
 * Every message stored under `filter` in a stream, parsed with `schema`. Reads by sequence with the stream API,
 * which consumes nothing (DELIVERIES is a work queue, where a second consumer is not allowed).
 */
export async function readStream<S extends z.ZodType>(harness: NatsHarness, stream: string, filter: string, schema: S): Promise<Array<z.infer<S>>> {
  const { state } = await harness.jsm.streams.info(stream);
  const out: Array<z.infer<S>> = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
    const msg = await harness.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg && subjectMatches(filter, msg.subject)) out.push(schema.parse(msg.json()));
  }
  return out;
}

/** The audit records of one account, in stream order (a batch's records in their order within it). */
export async function auditOf(harness: NatsHarness, account: string): Promise<AuditRecord[]> {
  const messages = await readStream(harness, harness.names.streams.audit, `${harness.names.root}.audit.${account}.>`, AuditMessage);
  return messages.flatMap(auditRecordsOf);
}

/** The attempt records of one account, in stream order. */
export async function attemptsOf(harness: NatsHarness, account: string) {
  return (await auditOf(harness, account)).filter((record) => record.kind === 'attempt');
}

/** The control commands addressed to one account. */
export function controlOf(harness: NatsHarness, account: string): Promise<ControlCommand[]> {
  return readStream(harness, harness.names.streams.control, `${harness.names.root}.control.${account}.>`, ControlCommand);
}

/** Resolves once the fan-out consumer has taken and acknowledged every event stored so far. */
export async function fanoutIdle(harness: NatsHarness): Promise<void> {
  await waitFor(
    async () => {
      const info = await harness.jsm.consumers.info(harness.names.streams.events, harness.names.consumers.dispatcherFanout);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { timeoutMs: 10_000, label: 'fan-out consumer idle' },
  );
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
  at: number;
}

/** How a receiver answers the n-th request (0-based): a status (after `delayMs`, a slow endpoint), or hang (never answer). */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Connections accepted (also those that never sent a request). */
  connections: () => number;
  close(): Promise<void>;
}

/** A local HTTP (or HTTPS, given a key and cert) endpoint on 127.0.0.1 that records every request. */
export async function startReceiver(reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: 'ok' }), tls?: { key: string; cert: string }): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), at: Date.now() };
      const index = requests.length;
      requests.push(received);
      const answer = reply(received, index);
      if (answer === 'hang') return;
      const send = () => res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://${tls ? 'localhost' : '127.0.0.1'}:${port}`,
    port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A throwaway CA and a server certificate for localhost/127.0.0.1, made with the openssl CLI. */
export function createTestCertificates(): { ca: string; key: string; cert: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hm-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Hookmesh Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  const ext = file('ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > '${ext}'`]);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', ext);
  return {
    ca: readFileSync(file('ca.pem'), 'utf8'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A resolver with fixed answers; unknown names fail like NXDOMAIN. */
export function fixedResolver(answers: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const found = answers[hostname];
    if (found) return found;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
}
