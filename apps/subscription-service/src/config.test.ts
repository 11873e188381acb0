import { ConfigError } from '@hookmesh/config';
import { randomBytes } from 'node:crypto';
import { loadConfig, startupWarnings } from './config';

const key = randomBytes(32).toString('base64');
const minimal = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hookmesh',
  NATS_URL: 'nats://127.0.0.1:4222',
  HOOKMESH_JWT_SECRET: 'a-local-secret-of-at-least-32-bytes-long',
  HOOKMESH_SECRETS_KEY: key,
};

describe('subscription-service configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      PORT: 3001,
      LOG_LEVEL: 'info',
      HOOKMESH_STREAM_PREFIX: '',
      HOOKMESH_ALLOW_PRIVATE_TARGETS: false,
      HOOKMESH_KV_REPUBLISH_INTERVAL: 5_000,
      HOOKMESH_PRUNE_INTERVAL: 60_000,
      HOOKMESH_PUBLISH_TIMEOUT: 5_000,
      HOOKMESH_RETENTION: 30 * 86_400_000,
      HOOKMESH_STREAM_REPLICAS: 1,
      HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT: 100,
      HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE: 25,
    });
    expect(config.HOOKMESH_SECRETS_KEY).toEqual([{ id: 'k1', bytes: Buffer.from(key, 'base64') }]);
    expect(startupWarnings(config)).toEqual([]);
  });

  it('refuses a per-type callback limit above the per-account one', () => {
    expect(() => loadConfig({ ...minimal, HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT: '10', HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE: '11' })).toThrow(/HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE/);
    expect(() => loadConfig({ ...minimal, HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT: '0' })).toThrow(/HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT/);
  });

  it('parses several sealing keys, the first one sealing', () => {
    const second = randomBytes(32).toString('base64');
    const config = loadConfig({ ...minimal, HOOKMESH_SECRETS_KEY: `new:${second},old:${key}` });
    expect(config.HOOKMESH_SECRETS_KEY.map((entry) => entry.id)).toEqual(['new', 'old']);
  });

  it('reports every bad variable at once without echoing the secrets key', () => {
    const badKey = 'k1:dG9vLXNob3J0';
    try {
      loadConfig({ NATS_URL: 'nats://x', HOOKMESH_SECRETS_KEY: badKey, PORT: 'eighty', HOOKMESH_ALLOW_PRIVATE_TARGETS: 'maybe', HOOKMESH_PRUNE_INTERVAL: 'soon' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const variables = (error as ConfigError).problems.map((problem) => problem.variable);
      expect(variables).toEqual(
        expect.arrayContaining(['DATABASE_URL', 'HOOKMESH_SECRETS_KEY', 'PORT', 'HOOKMESH_ALLOW_PRIVATE_TARGETS', 'HOOKMESH_PRUNE_INTERVAL', 'HOOKMESH_JWT_SECRET']),
      );
      expect((error as ConfigError).message).toContain('must decode to 32 bytes');
      expect((error as ConfigError).message).not.toContain('dG9vLXNob3J0');
    }
  });

  it('reads the callback ports an operator allows, refusing what is not a port', () => {
    expect(loadConfig(minimal).HOOKMESH_ALLOWED_CALLBACK_PORTS).toEqual(new Set());
    expect(loadConfig({ ...minimal, HOOKMESH_ALLOWED_CALLBACK_PORTS: '25, 6379' }).HOOKMESH_ALLOWED_CALLBACK_PORTS).toEqual(new Set([25, 6379]));
    expect(() => loadConfig({ ...minimal, HOOKMESH_ALLOWED_CALLBACK_PORTS: '25,smtp,70000' })).toThrow(/HOOKMESH_ALLOWED_CALLBACK_PORTS/);
  });

  it('warns loudly when private targets are allowed', () => {
    const config = loadConfig({ ...minimal, HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true' });
    expect(config.HOOKMESH_ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(startupWarnings({ ...config, HOST: '127.0.0.1' })).toEqual([expect.stringContaining('DEVELOPMENT ONLY')]);
  });

  it('warns too when the switch is on and the service listens beyond loopback', () => {
    const config = loadConfig({ ...minimal, HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true' });
    expect(config.HOST).toBe('0.0.0.0');
    expect(startupWarnings(config)).toEqual([expect.stringContaining('DEVELOPMENT ONLY'), expect.stringMatching(/HOST=0\.0\.0\.0.*HOST=127\.0\.0\.1/)]);
    expect(startupWarnings({ ...config, HOOKMESH_ALLOW_PRIVATE_TARGETS: false })).toEqual([]);
  });
});
