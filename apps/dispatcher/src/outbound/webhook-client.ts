// Sends one signed POST to a customer endpoint: pooled per origin, no pipelining, no redirects followed,
// an overall deadline, the response body read up to a cap, and every connection dialled through the SSRF guard.
import { createGuardedConnector, type Resolver } from '@hookmesh/egress';
import { rootCertificates } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import type { ErrorClass } from '@hookmesh/contracts';
import { classifyRequestError } from '../domain/error-class';

export interface WebhookClientOptions {
  /** HOOKMESH_ALLOW_PRIVATE_TARGETS: development only, lets loopback/private addresses through. */
  allowPrivateTargets: boolean;
  /** Connections per origin; requests beyond it queue in the pool. */
  connectionsPerOrigin: number;
  /** Bytes of the response body kept; the rest is discarded. */
  excerptMaxBytes: number;
  /** Extra trusted certificate authorities (PEM), added to the system roots. */
  extraCa?: string | undefined;
  /** DNS resolver; tests inject one that plays failures and rebinding. */
  resolver?: Resolver | undefined;
}

export interface SendWebhookInput {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  /**
   * The latest moment (epoch ms) the request may go on the wire, for an attempt admitted within a rate window: one
   * that gets its connection later is not sent at all (`window_closed`).
   */
  startBy?: number | undefined;
}

export type SendWebhookResult =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; excerpt: string; latencyMs: number }
  | { kind: 'error'; errorClass: ErrorClass; message: string; latencyMs: number }
  | { kind: 'window_closed'; latencyMs: number };

export interface WebhookClient {
  /** Sends the request; never throws: failures come back as `{kind: 'error'}` with their class. */
  send(input: SendWebhookInput): Promise<SendWebhookResult>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/** Creates the HTTP client of the delivery worker. */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const agent = new Agent({
    connections: options.connectionsPerOrigin,
    // One request per connection at a time: a customer endpoint is not assumed to handle pipelining.
    pipelining: 1,
    connect: createGuardedConnector({
      policy: { allowPrivateTargets: options.allowPrivateTargets },
      resolver: options.resolver,
      ...(options.extraCa === undefined ? {} : { ca: [...rootCertificates, options.extraCa] }),
    }),
  });

  // Attempts answered at their deadline before they had a connection stay queued in undici until one comes (they are
  // aborted then) or the connect fails. At most connectionsPerOrigin of them per origin: past that, an attempt to the
  // origin fails at once, so an endpoint that never completes a connection cannot make that queue grow without end.
  const unconnected = new Map<string, number>();
  const waitingForConnection: WaitingForConnection = {
    add: (origin) => unconnected.set(origin, (unconnected.get(origin) ?? 0) + 1),
    remove: (origin) => {
      const left = (unconnected.get(origin) ?? 1) - 1;
      if (left > 0) unconnected.set(origin, left);
      else unconnected.delete(origin);
    },
  };

  async function send(input: SendWebhookInput): Promise<SendWebhookResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const url = safeUrl(input.url);
    if (url === undefined) return { kind: 'error', errorClass: 'other', message: 'callback URL is not a valid absolute URL', latencyMs: 0 };
    // Registration only accepts https; http gets through only with the development switch on.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowPrivateTargets)) {
      return { kind: 'error', errorClass: 'ssrf_blocked', message: `refusing a ${url.protocol.replace(':', '')} callback URL: only https is allowed`, latencyMs: 0 };
    }
    if ((unconnected.get(url.origin) ?? 0) >= options.connectionsPerOrigin) {
      return { kind: 'error', errorClass: 'connect', message: `earlier attempts to ${url.origin} are still waiting for a connection`, latencyMs: 0 };
    }
    return await new Promise<SendWebhookResult>((resolve) => {
      const attempt = new AttemptHandler(url.origin, options.excerptMaxBytes, input.startBy, waitingForConnection, (outcome) => {
        clearTimeout(timer);
        if (outcome.kind === 'response') resolve({ ...outcome, latencyMs: latency() });
        else if (outcome.kind === 'window_closed') resolve({ kind: 'window_closed', latencyMs: latency() });
        else if (outcome.timedOut) resolve({ kind: 'error', errorClass: 'timeout', message: `no complete answer within ${input.timeoutMs} ms`, latencyMs: latency() });
        else resolve({ kind: 'error', errorClass: classifyRequestError(outcome.error), message: describeError(outcome.error), latencyMs: latency() });
      });
      // Declared after the handler, which only calls back once dispatched, below.
      const timer = setTimeout(() => attempt.timeOut(), input.timeoutMs);
      try {
        agent.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: input.headers, body: input.body }, attempt);
      } catch (error) {
        attempt.onResponseError(undefined, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  return {
    send,
    close: () => agent.close(),
  };
}

function safeUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The attempts of each origin answered at their deadline while still waiting for a connection. */
interface WaitingForConnection {
  add(origin: string): void;
  remove(origin: string): void;
}

type AttemptOutcome =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; excerpt: string }
  | { kind: 'failed'; error: Error; timedOut: boolean }
  | { kind: 'window_closed' };

/**
 * One POST through undici's dispatch handler API: the status, the headers and at most `maxBytes` of the body,
 * without the response stream, abort signal and async resource that `request` makes for every call. A longer body is
 * cut off and its connection closed. The deadline answers at once, also for a request still waiting for a
 * connection, which is aborted when it gets one (and counted with its origin until then). A request that gets its
 * connection after `startBy` is aborted before a byte of it is written.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private timedOut = false;
  /** Answered at the deadline before a connection came: counted with the origin's until undici lets go of it. */
  private unconnected = false;
  private done = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  constructor(
    private readonly origin: string,
    private readonly maxBytes: number,
    private readonly startBy: number | undefined,
    private readonly waiting: WaitingForConnection,
    private readonly finish: (outcome: AttemptOutcome) => void,
  ) {}

  timeOut(): void {
    this.timedOut = true;
    if (this.controller !== undefined) this.controller.abort(new Error('attempt deadline'));
    else if (!this.done) {
      this.unconnected = true;
      this.waiting.add(this.origin);
    }
    this.settle({ kind: 'failed', error: new Error('attempt deadline'), timedOut: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) {
      this.letGo();
      controller.abort(new Error('attempt deadline'));
    } else if (this.startBy !== undefined && Date.now() > this.startBy) {
      // Called as the request is about to be written to its connection: aborting here sends nothing.
      this.settle({ kind: 'window_closed' });
      controller.abort(new Error('rate window closed'));
    }
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // A 1xx answer is informational: the final status follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const room = this.maxBytes - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.kept >= this.maxBytes) {
      this.respond();
      controller.abort(new Error('response excerpt complete'));
    }
  }

  onResponseEnd(): void {
    this.respond();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.letGo();
    this.settle({ kind: 'failed', error, timedOut: this.timedOut });
  }

  private letGo(): void {
    if (!this.unconnected) return;
    this.unconnected = false;
    this.waiting.remove(this.origin);
  }

  private respond(): void {
    this.settle({ kind: 'response', status: this.status, headers: this.headers, excerpt: Buffer.concat(this.chunks).toString('utf8') });
  }

  private settle(outcome: AttemptOutcome): void {
    if (this.done) return;
    this.done = true;
    this.finish(outcome);
  }
}

/** A one-line reason for the audit record: the error's own message and code, never request data. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const code = (error as { code?: unknown }).code;
  return `${error.message}${cause}${typeof code === 'string' ? ` (${code})` : ''}`.slice(0, 500);
}
