import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { batchSettingsFromEnv } from './sdk';

const run = promisify(execFile);

type OtlpSpan = { name: string; traceId: string; spanId: string; parentSpanId?: string };
type OtlpBody = { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };

describe('startTelemetry', () => {
  /** Runs the fixture against a local OTLP collector with `env` added; resolves with what it exported. */
  async function exportedBy(env: Record<string, string>): Promise<OtlpBody[]> {
    const bodies: OtlpBody[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'emit-span.ts')], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env },
        timeout: 20_000,
      });
    } finally {
      collector.close();
    }
    return bodies;
  }

  it('exports a service trace over OTLP/HTTP, with outgoing fetches as child spans', async () => {
    const resources = (await exportedBy({})).flatMap((body) => body.resourceSpans);
    const serviceNames = resources.flatMap((r) => r.resource.attributes).filter((a) => a.key === 'service.name');
    expect(serviceNames.map((a) => a.value.stringValue)).toContain('telemetry-fixture');
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const work = spans.find((span) => span.name === 'fixture-work');
    expect(work).toBeDefined();
    const fetchSpan = spans.find((span) => span.parentSpanId === work!.spanId);
    expect(fetchSpan).toBeDefined();
    expect(fetchSpan!.traceId).toBe(work!.traceId);
  });

  it('exports in batches of OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans', async () => {
    const bodies = await exportedBy({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1' });
    const perExport = bodies.map((body) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length);
    expect(perExport).toEqual([1, 1]);
  });

  it('makes no span for undici requests when asked not to (a service that makes its own client spans)', async () => {
    const spans = (await exportedBy({ FIXTURE_UNDICI: 'off' })).flatMap((body) => body.resourceSpans).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((span) => span.name)).toEqual(['fixture-work']);
  });

  it('traces Postgres queries only inside a trace, as children of their span, without connect spans', async () => {
    const spans = (await exportedBy({ FIXTURE_PG: 'on', FIXTURE_UNDICI: 'off' })).flatMap((body) => body.resourceSpans).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const work = spans.find((span) => span.name === 'fixture-work');
    expect(work).toBeDefined();
    // The work span and its one query: no root span for the query outside it, no pg.connect or pg-pool.connect.
    expect(spans).toHaveLength(2);
    const query = spans.find((span) => span !== work);
    expect(query).toMatchObject({ traceId: work!.traceId, parentSpanId: work!.spanId });
    expect(query!.name).not.toMatch(/connect/);
  });

  it('propagates W3C trace context on outgoing requests when nothing is exported', async () => {
    const traceparents: Array<string | undefined> = [];
    const target = createServer((req, res) => {
      const header = req.headers['traceparent'];
      traceparents.push(typeof header === 'string' ? header : undefined);
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'emit-span.ts')], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', FIXTURE_TARGET: `http://127.0.0.1:${(target.address() as AddressInfo).port}` },
        timeout: 20_000,
      }));
    } finally {
      target.close();
    }
    const { traceId } = JSON.parse(stdout.trim()) as { traceId: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(traceparents).toHaveLength(1);
    expect(traceparents[0]).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('samples with OTEL_TRACES_SAMPLER: a trace left out is not exported, and its context still propagates unsampled', async () => {
    const bodies: OtlpBody[] = [];
    const traceparents: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      const header = req.headers['traceparent'];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
        else traceparents.push(typeof header === 'string' ? header : undefined);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // A ratio of 0 leaves every trace out, as a ratio of 0.1 leaves out nine in ten.
      await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'emit-span.ts')], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
        timeout: 20_000,
      });
    } finally {
      server.close();
    }
    expect(bodies.flatMap((body) => body.resourceSpans)).toHaveLength(0);
    expect(traceparents).toHaveLength(1);
    expect(traceparents[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });
});

describe('batchSettingsFromEnv', () => {
  it("reads the specification's OTEL_BSP_* variables, with the SDK's defaults and a 500 ms delay when unset", () => {
    expect(batchSettingsFromEnv({})).toEqual({ scheduledDelayMillis: 500, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 });
    expect(batchSettingsFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '0', OTEL_BSP_MAX_QUEUE_SIZE: ' 16384 ', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024', OTEL_BSP_EXPORT_TIMEOUT: '' })).toEqual({
      scheduledDelayMillis: 0,
      maxQueueSize: 16_384,
      maxExportBatchSize: 1024,
      exportTimeoutMillis: 30_000,
    });
  });

  it('refuses a value that is not a whole number, naming the variable', () => {
    expect(() => batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: 'lots' })).toThrow('OTEL_BSP_MAX_QUEUE_SIZE must be a whole number of at least 1, got "lots"');
    expect(() => batchSettingsFromEnv({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0' })).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE/);
    expect(() => batchSettingsFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '1.5' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });
});
