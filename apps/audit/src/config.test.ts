import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@hookmesh/config';
import { loadConfig } from './config';

const required = { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hookmesh', HOOKMESH_JWT_SECRET: 's'.repeat(32) };

describe('audit config', () => {
  it('applies the defaults of the issue', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      PORT: 3004,
      HOOKMESH_AUDIT_BATCH: 500,
      HOOKMESH_PRUNE_INTERVAL: 3_600_000,
      HOOKMESH_AUDIT_ACK_WAIT: 60_000,
      HOOKMESH_AUDIT_RETRY_DELAY: 5_000,
      HOOKMESH_RESPONSE_EXCERPT_MAX: 2048,
      HOOKMESH_RETENTION: 30 * 86_400_000,
      HOOKMESH_STREAM_PREFIX: '',
    });
  });

  it('reads durations and numbers', () => {
    const config = loadConfig({ ...required, HOOKMESH_PRUNE_INTERVAL: '5m', HOOKMESH_RETENTION: '7d', HOOKMESH_AUDIT_BATCH: '100' });
    expect([config.HOOKMESH_PRUNE_INTERVAL, config.HOOKMESH_RETENTION, config.HOOKMESH_AUDIT_BATCH]).toEqual([300_000, 604_800_000, 100]);
  });

  it('reads a short ack_wait and retry delay for fault tests, and refuses an ack_wait under a second', () => {
    const config = loadConfig({ ...required, HOOKMESH_AUDIT_ACK_WAIT: '3s', HOOKMESH_AUDIT_RETRY_DELAY: '250ms' });
    expect([config.HOOKMESH_AUDIT_ACK_WAIT, config.HOOKMESH_AUDIT_RETRY_DELAY]).toEqual([3_000, 250]);
    expect(() => loadConfig({ ...required, HOOKMESH_AUDIT_ACK_WAIT: '100ms' })).toThrow(/HOOKMESH_AUDIT_ACK_WAIT/);
  });

  it('names every bad variable at once, auth included', () => {
    let caught: unknown;
    try {
      loadConfig({ NATS_URL: 'nats://x:1', DATABASE_URL: 'mysql://x', HOOKMESH_AUDIT_BATCH: '0', HOOKMESH_PRUNE_INTERVAL: 'soon' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'HOOKMESH_AUDIT_BATCH',
      'HOOKMESH_JWT_SECRET',
      'HOOKMESH_PRUNE_INTERVAL',
    ]);
  });
});
