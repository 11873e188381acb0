import { ConfigError } from '@hookmesh/config';
import { randomBytes } from 'node:crypto';
import { loadConfig } from './config';

const required = { NATS_URL: 'nats://127.0.0.1:4222', HOOKMESH_SECRETS_KEY: randomBytes(32).toString('base64') };

describe('loadConfig', () => {
  it('applies the defaults of the design', () => {
    const config = loadConfig(required);
    expect(config.PORT).toBe(3003);
    expect(config.HOOKMESH_RETRY_SCHEDULE).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(config.HOOKMESH_DELIVERY_TIMEOUT).toBe(30_000);
    expect(config.HOOKMESH_HEADER_PREFIX).toBe('X-Hookmesh');
    expect(config.HOOKMESH_USER_AGENT).toBe('Hookmesh-Webhook/1.0');
    expect(config.HOOKMESH_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(config.HOOKMESH_PER_CALLBACK_CONCURRENCY).toBe(10);
    expect(config.HOOKMESH_RESPONSE_EXCERPT_MAX).toBe(2048);
    expect(config.HOOKMESH_HOLD_RECHECK).toBe(2_000);
    expect(config.HOOKMESH_CIRCUIT_THRESHOLD).toBe(5);
    expect(config.HOOKMESH_CIRCUIT_COOLDOWN).toBe(60_000);
    expect(config.HOOKMESH_DISABLE_AFTER).toBe(5 * 86_400_000);
    expect(config.HOOKMESH_MAX_ACK_PENDING).toBe(20_000);
    expect(config.HOOKMESH_MAX_WAITING).toBe(1_000_000);
    expect(config.HOOKMESH_ACK_WAIT_MARGIN).toBe(30_000);
    expect(config.retryAfterMaxMs).toBe(36_000_000);
    expect(config.secretsKeys.map((key) => key.id)).toEqual(['k1']);
  });

  it('reads a millisecond schedule for tests and caps Retry-After at its largest delay unless told otherwise', () => {
    expect(loadConfig({ ...required, HOOKMESH_RETRY_SCHEDULE: '0,20ms,50ms' }).retryAfterMaxMs).toBe(50);
    expect(loadConfig({ ...required, HOOKMESH_RETRY_SCHEDULE: '0,20ms', HOOKMESH_RETRY_AFTER_MAX: '5s' }).retryAfterMaxMs).toBe(5_000);
  });

  it('reads a shorter ack_wait margin for fault tests and refuses one under a second', () => {
    expect(loadConfig({ ...required, HOOKMESH_ACK_WAIT_MARGIN: '2s' }).HOOKMESH_ACK_WAIT_MARGIN).toBe(2_000);
    expect(() => loadConfig({ ...required, HOOKMESH_ACK_WAIT_MARGIN: '500ms' })).toThrow(/HOOKMESH_ACK_WAIT_MARGIN/);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ HOOKMESH_RETRY_SCHEDULE: '0,soon', HOOKMESH_PER_CALLBACK_CONCURRENCY: '0', HOOKMESH_HEADER_PREFIX: 'bad prefix' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((problem) => problem.variable);
    expect(variables).toEqual(
      expect.arrayContaining(['NATS_URL', 'HOOKMESH_SECRETS_KEY', 'HOOKMESH_RETRY_SCHEDULE', 'HOOKMESH_PER_CALLBACK_CONCURRENCY', 'HOOKMESH_HEADER_PREFIX']),
    );
  });

  it('refuses a secrets key that is not 32 bytes, without echoing it', () => {
    const bad = randomBytes(16).toString('base64');
    expect(() => loadConfig({ ...required, HOOKMESH_SECRETS_KEY: bad })).toThrow(/HOOKMESH_SECRETS_KEY.*32 bytes/);
    try {
      loadConfig({ ...required, HOOKMESH_SECRETS_KEY: bad });
    } catch (error) {
      expect(String(error)).not.toContain(bad);
    }
  });
});
