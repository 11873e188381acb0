// The benchmark's trace collector: an OTLP/HTTP endpoint on loopback that takes every export the services send and
// counts it, so the run pays what production pays for tracing (spans made, batched, serialised and sent) without a
// collector installed. It reads and discards the bodies; parsing them would only measure the sink.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OtlpSinkCounts = { exports: number; bytes: number };

export type OtlpSink = {
  /** The OTEL_EXPORTER_OTLP_ENDPOINT to give the services. */
  url: string;
  counts(): OtlpSinkCounts;
  stop(): Promise<void>;
};

/** Starts the sink on 127.0.0.1 (any free port); it answers every POST /v1/traces with 200. */
export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ exports, bytes }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
