import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@hookmesh/config';
import { loadConfig } from './config';

const required = { NATS_URL: 'nats://127.0.0.1:4222', HOOKMESH_JWT_SECRET: 'a'.repeat(32) };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable).sort();
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the defaults of the design and the issue', () => {
    const config = loadConfig(required);
    expect(config.PORT).toBe(3002);
    expect(config.HOOKMESH_MAX_BATCH).toBe(500);
    expect(config.HOOKMESH_MAX_BODY).toBe(1024 * 1024);
    expect(config.HOOKMESH_PUBLISH_TIMEOUT).toBe(5_000);
    expect(config.HOOKMESH_IDEMPOTENCY_WINDOW).toBe(15 * 60_000);
    expect(config.HOOKMESH_RETENTION).toBe(30 * 86_400_000);
    expect(config.HOOKMESH_STREAM_REPLICAS).toBe(1);
    expect(config.HOOKMESH_STREAM_PREFIX).toBe('');
    expect(config.HOOKMESH_RATE_LIMIT_PER_SECOND).toBe(50);
    expect(config.HOOKMESH_INGEST_EVENTS_PER_SECOND).toBe(1_000);
    expect(config.HOOKMESH_INGEST_EVENTS_BURST).toBe(5_000);
  });

  it('refuses an events burst smaller than the largest batch (that batch could never pass)', () => {
    expect(problemsOf({ ...required, HOOKMESH_INGEST_EVENTS_BURST: '499' })).toEqual(['HOOKMESH_INGEST_EVENTS_BURST']);
    expect(problemsOf({ ...required, HOOKMESH_INGEST_EVENTS_BURST: '100', HOOKMESH_MAX_BATCH: '100' })).toEqual([]);
    expect(problemsOf({ ...required, HOOKMESH_INGEST_EVENTS_PER_SECOND: '0' })).toEqual(['HOOKMESH_INGEST_EVENTS_PER_SECOND']);
  });

  it('reads sizes, counts and durations', () => {
    const config = loadConfig({ ...required, HOOKMESH_MAX_BODY: '256kb', HOOKMESH_MAX_BATCH: '100', HOOKMESH_IDEMPOTENCY_WINDOW: '2h', PORT: '8080' });
    expect(config.HOOKMESH_MAX_BODY).toBe(256 * 1024);
    expect(config.HOOKMESH_MAX_BATCH).toBe(100);
    expect(config.HOOKMESH_IDEMPOTENCY_WINDOW).toBe(7_200_000);
    expect(config.PORT).toBe(8080);
  });

  it('names every bad variable at once, including the token verification settings', () => {
    expect(problemsOf({ HOOKMESH_MAX_BODY: 'huge', HOOKMESH_MAX_BATCH: '0', HOOKMESH_PUBLISH_TIMEOUT: 'soon' })).toEqual([
      'HOOKMESH_JWT_SECRET',
      'HOOKMESH_MAX_BATCH',
      'HOOKMESH_MAX_BODY',
      'HOOKMESH_PUBLISH_TIMEOUT',
      'NATS_URL',
    ]);
  });

  it('refuses a batch limit above the contract limit of 500', () => {
    expect(problemsOf({ ...required, HOOKMESH_MAX_BATCH: '501' })).toEqual(['HOOKMESH_MAX_BATCH']);
  });
});
