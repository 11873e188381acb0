// The operational routes of event-ingest against a real JetStream: probes, metrics and the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildOpenApiDocument, eventTypes } from '@hookmesh/contracts';
import { createTestNats, type TestNats } from '@hookmesh/testing';
import { startTestIngest, type TestIngest } from './test-support';

describe('event-ingest operational routes', () => {
  let nats: TestNats;
  let ingest: TestIngest;

  beforeAll(async () => {
    nats = await createTestNats('ingops');
    ingest = await startTestIngest({ natsUrl: nats.url, prefix: nats.prefix });
  });
  afterAll(async () => {
    await ingest.close();
    await nats.cleanup();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${ingest.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', service: 'event-ingest' });
  });

  it('is ready when NATS answers and the EVENTS stream exists', async () => {
    const res = await fetch(`${ingest.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { nats: { ok: true }, events_stream: { ok: true } } });
  });

  it('reports not ready, and refuses events with 503, when the EVENTS stream is gone', async () => {
    await ingest.jsm.streams.delete(ingest.names.streams.events);
    try {
      const res = await fetch(`${ingest.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ checks: { nats: { ok: true }, events_stream: { ok: false } } });
      const ingestRes = await ingest.postEvents('acme', { message_type: 'orderEvent', data: eventTypes.orderEvent.example.data });
      expect(ingestRes.status).toBe(503);
      expect(ingestRes.headers.get('retry-after')).toBe('2');
    } finally {
      await ingest.recreateStream();
    }
  });

  it('serves the generated OpenAPI document of event-ingest', async () => {
    const res = await fetch(`${ingest.url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { paths: Record<string, unknown> };
    expect(document).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('event-ingest'))));
    expect(Object.keys(document.paths)).toContain('/{account}/api/v1/events');
  });

  it('exports the ingest rate, batch sizes and publish latency on /metrics', async () => {
    const event = { message_type: 'snapshotReady', data: eventTypes.snapshotReady.example.data };
    expect((await ingest.postEvents('acme', [event, event, event])).status).toBe(202);
    const text = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(text).toContain('hookmesh_ingest_events_stored_total{message_type="snapshotReady"} 3');
    expect(text).toContain('hookmesh_ingest_batch_size_count 1');
    expect(text).toContain('hookmesh_ingest_publish_duration_seconds_count 1');
    expect(text).toContain('http_requests_total{method="POST",route="/:account/api/v1/events",status="202"} 1');
  });
});
