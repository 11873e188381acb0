// Raw HTTP probes for hostile input: bodies sent byte for byte, answers checked for the problem+json shape.
import { request as httpRequest } from 'node:http';
import type { Platform, ServiceName } from '@hookmesh/testing';
import { SERVICE_NAMES } from '@hookmesh/testing';

export type Answer = { status: number; headers: Headers; text: string; json: unknown };

export type Probe = {
  /** A label that says what the input is; shown when an expectation fails. */
  name: string;
  method: string;
  /** Appended to the API base of the account (`/callbacks?x=1`). */
  path: string;
  /** Sent as is: a string or bytes, never re-encoded. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Statuses this input may get; default any 4xx. */
  expect?: readonly number[];
};

/** Every answer body seen, so the leak scan can read error answers too. */
export const seenBodies: string[] = [];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends one request with fetch and records the answer body. */
export async function send(url: string, init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<Answer> {
  const response = await fetch(url, { method: init.method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
  const text = await response.text();
  seenBodies.push(text);
  return { status: response.status, headers: response.headers, text, json: parseJson(text) };
}

/**
 * Sends a request through node:http, which (unlike fetch) lets a test omit Content-Type, send a body with GET,
 * or put raw bytes in the path: the shapes broken clients really send.
 */
export async function sendRaw(url: string, init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array; rawPath?: string }): Promise<Answer> {
  const target = new URL(url);
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: init.method, path: init.rawPath ?? `${target.pathname}${target.search}`, headers: init.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          seenBodies.push(text);
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          resolve({ status: res.statusCode ?? 0, headers, text, json: parseJson(text) });
        });
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** What an answer must look like for bad input: 4xx, problem+json, a title, a matching status member. */
export function problemViolations(answer: Answer, allowed?: readonly number[]): string[] {
  const problems: string[] = [];
  const okStatus = allowed ? allowed.includes(answer.status) : answer.status >= 400 && answer.status <= 499;
  if (!okStatus) problems.push(`status ${answer.status} (wanted ${allowed ? allowed.join('/') : '4xx'})`);
  if (!(answer.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
    problems.push(`content-type ${answer.headers.get('content-type')}`);
  }
  const body = answer.json as { title?: unknown; status?: unknown } | undefined;
  if (typeof body?.title !== 'string' || body.title.length === 0) problems.push('no title');
  if (body?.status !== answer.status) problems.push(`status member ${String(body?.status)}`);
  // A header injected through an echoed value would show up as its own header.
  if (answer.headers.get('x-injected') !== null) problems.push('X-Injected header in the answer');
  return problems;
}

/** Runs every probe against `base` (an account's API root) with `token`; returns one line per misbehaving answer. */
export async function runProbes(base: string, token: string, probes: readonly Probe[]): Promise<string[]> {
  const failures: string[] = [];
  for (const probe of probes) {
    const headers = { authorization: `Bearer ${token}`, ...probe.headers };
    const answer = await send(`${base}${probe.path}`, { method: probe.method, headers, ...(probe.body === undefined ? {} : { body: probe.body }) });
    const problems = problemViolations(answer, probe.expect);
    if (problems.length > 0) failures.push(`${probe.name}: ${problems.join(', ')} — ${answer.text.slice(0, 300)}`);
  }
  return failures;
}

/** Every service still answers GET /healthz: bad input crashed nothing. */
export async function healthOfAll(platform: Platform): Promise<Record<ServiceName, number>> {
  const entries = await Promise.all(
    SERVICE_NAMES.map(async (name) => [name, (await fetch(`${platform.urls[name]}/healthz`).catch(() => undefined))?.status ?? 0] as const),
  );
  return Object.fromEntries(entries) as Record<ServiceName, number>;
}

/** The health answer every service gives when it is up. */
export const ALL_HEALTHY: Record<ServiceName, number> = { 'subscription-service': 200, 'event-ingest': 200, dispatcher: 200, audit: 200 };
