// Test helpers (not exported from index): a real app on 127.0.0.1:0 and a logger whose lines can be read back.
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createHttpApp, type HttpAppOptions } from './app';
import { startHttpServer } from './server';

/** A logger that keeps every JSON line it writes. */
export function captureLog(): { log: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) });
  const lines: Array<Record<string, unknown>> = [];
  return {
    log,
    get lines() {
      lines.splice(0, lines.length, ...raw.map((line) => JSON.parse(line) as Record<string, unknown>));
      return lines;
    },
    text: () => raw.join(''),
  };
}

export interface TestApp {
  url: string;
  port: number;
  registry: Registry;
  logs: ReturnType<typeof captureLog>;
  close(): Promise<void>;
}

/** Starts createHttpApp with test defaults on an ephemeral port of 127.0.0.1. */
export async function startTestApp(options: Partial<HttpAppOptions> & Pick<HttpAppOptions, 'routes'>): Promise<TestApp> {
  const logs = captureLog();
  const registry = options.registry ?? new Registry();
  const app = createHttpApp({
    log: logs.log,
    serviceName: 'test-service',
    registry,
    openapi: { openapi: '3.1.0', info: { title: 'test', version: '1' }, paths: {} },
    readiness: {},
    ...options,
  });
  const running = await startHttpServer(app, { port: 0, host: '127.0.0.1', log: logs.log, shutdownTimeoutMs: 2000 });
  return { url: `http://127.0.0.1:${running.port}`, port: running.port, registry, logs, close: running.close };
}
