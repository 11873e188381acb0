// Sends one signed POST to a customer endpoint: pooled per origin, no pipelining, no redirects followed,
// an overall deadline, the response body read up to a cap, and every connection dialled through the SSRF guard.
import { createGuardedConnector, type Resolver } from '@hookmesh/egress';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
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
}

export type SendWebhookResult =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; excerpt: string; latencyMs: number }
  | { kind: 'error'; errorClass: ErrorClass; message: string; latencyMs: number };

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

  async function send(input: SendWebhookInput): Promise<SendWebhookResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const url = safeUrl(input.url);
    if (url === undefined) return { kind: 'error', errorClass: 'other', message: 'callback URL is not a valid absolute URL', latencyMs: 0 };
    // Registration only accepts https; http gets through only with the development switch on.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowPrivateTargets)) {
      return { kind: 'error', errorClass: 'ssrf_blocked', message: `refusing a ${url.protocol.replace(':', '')} callback URL: only https is allowed`, latencyMs: 0 };
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, input.timeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: input.headers,
        body: input.body,
        signal: controller.signal,
      });
      const excerpt = await readExcerpt(response.body, options.excerptMaxBytes);
      return { kind: 'response', status: response.statusCode, headers: response.headers, excerpt, latencyMs: latency() };
    } catch (error) {
      if (timedOut) return { kind: 'error', errorClass: 'timeout', message: `no complete answer within ${input.timeoutMs} ms`, latencyMs: latency() };
      return { kind: 'error', errorClass: classifyRequestError(error), message: describeError(error), latencyMs: latency() };
    } finally {
      clearTimeout(timer);
    }
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

/** Reads at most `maxBytes` of the body; a longer body is cut off (its connection is then not reused). */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    const room = maxBytes - kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      chunks.push(part);
      kept += part.length;
    }
    if (kept >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A one-line reason for the audit record: the error's own message and code, never request data. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const code = (error as { code?: unknown }).code;
  return `${error.message}${cause}${typeof code === 'string' ? ` (${code})` : ''}`.slice(0, 500);
}
