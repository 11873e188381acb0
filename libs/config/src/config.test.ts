import { z } from 'zod';
import { AuthEnv, CommonEnv, ConfigError, DeliveryEnv, isLoopbackHost, parseByteSize, loadConfigOrExit, NatsEnv, parseDurationMs, parseEnv, portEnv } from './index';

const Schema = z.object({ ...CommonEnv.shape, ...NatsEnv.shape, ...DeliveryEnv.shape, ...portEnv(3003).shape });

describe('HOST', () => {
  it('takes an IPv4 or IPv6 address or a host name to bind, and refuses anything else', () => {
    for (const host of ['127.0.0.1', '::1', '::', 'localhost', 'api.internal']) {
      expect(parseEnv('dispatcher', Schema, { NATS_URL: 'nats://127.0.0.1:4222', HOST: host }).HOST).toBe(host);
    }
    expect(() => parseEnv('dispatcher', Schema, { NATS_URL: 'nats://127.0.0.1:4222', HOST: 'http://127.0.0.1' })).toThrow(/HOST/);
  });

  it('tells loopback-only binds from those the network can reach', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'api.internal']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('parseEnv', () => {
  it('applies the defaults of the design', () => {
    const env = parseEnv('dispatcher', Schema, { NATS_URL: 'nats://127.0.0.1:4222' });
    expect(env.PORT).toBe(3003);
    // Every interface by default, as a container needs; the local stack sets 127.0.0.1.
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.HOOKMESH_RETRY_SCHEDULE).toEqual([0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000]);
    expect(env.HOOKMESH_DELIVERY_TIMEOUT).toBe(30000);
    expect(env.HOOKMESH_HEADER_PREFIX).toBe('X-Hookmesh');
    expect(env.HOOKMESH_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(env.LOG_LEVEL).toBe('info');
  });

  it('names every bad variable at once', () => {
    let caught: unknown;
    try {
      parseEnv('dispatcher', Schema, { PORT: 'abc', HOOKMESH_RETRY_SCHEDULE: '0,5x', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const variables = (caught as ConfigError).problems.map((problem) => problem.variable).sort();
    expect(variables).toEqual(['HOOKMESH_RETRY_SCHEDULE', 'LOG_LEVEL', 'NATS_URL', 'PORT']);
    expect((caught as ConfigError).message).toContain('"5x" is not a duration');
  });

  it('treats empty strings as unset', () => {
    const env = parseEnv('x', Schema, { NATS_URL: 'nats://a:1', PORT: '' });
    expect(env.PORT).toBe(3003);
  });

  it('requires exactly one way to verify tokens', () => {
    expect(() => parseEnv('x', AuthEnv, {})).toThrow(/exactly one of HOOKMESH_JWT_SECRET or HOOKMESH_JWKS_URL/);
    expect(() =>
      parseEnv('x', AuthEnv, { HOOKMESH_JWT_SECRET: 'a'.repeat(32), HOOKMESH_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(ConfigError);
    expect(parseEnv('x', AuthEnv, { HOOKMESH_JWT_SECRET: 'a'.repeat(32) }).HOOKMESH_JWT_SECRET).toHaveLength(32);
  });

  it('parses a millisecond retry schedule for tests', () => {
    const env = parseEnv('x', Schema, { NATS_URL: 'nats://a:1', HOOKMESH_RETRY_SCHEDULE: '0, 50ms, 100ms' });
    expect(env.HOOKMESH_RETRY_SCHEDULE).toEqual([0, 50, 100]);
  });

  it('rejects a stream prefix that is not subject-safe', () => {
    expect(() => parseEnv('x', Schema, { NATS_URL: 'nats://a:1', HOOKMESH_STREAM_PREFIX: 'a.b' })).toThrow(
      /HOOKMESH_STREAM_PREFIX/,
    );
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1500', 1500],
    ['0.5s', 500],
  ])('reads %s as %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', 'five', '5 weeks', '-1s'])('refuses %p', (text) => expect(parseDurationMs(text)).toBeUndefined());
});

describe('loadConfigOrExit', () => {
  it('returns the parsed config, or prints every bad variable and exits with 78', () => {
    expect(loadConfigOrExit(() => ({ ok: true }))).toEqual({ ok: true });
    // A real exit would end the test run; the stand-in stops the function the same way.
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => loadConfigOrExit((env) => parseEnv('dispatcher', NatsEnv, env), {})).toThrow('exit 78');
    expect(exit).toHaveBeenCalledWith(78);
    expect(String(write.mock.calls[0]?.[0])).toContain('NATS_URL');
    exit.mockRestore();
    write.mockRestore();
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1mb', 1_048_576],
    ['512kb', 524_288],
    ['2048', 2048],
    ['100b', 100],
    ['1.5MB', 1_572_864],
  ])('reads %s as %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['', 'big', '0', '-1kb', '1gb'])('refuses %p', (text) => expect(parseByteSize(text)).toBeUndefined());
});
