import { connect } from '@nats-io/transport-node';
import { startOwnNatsServer, type OwnNatsServer } from '@hookmesh/testing';
import pino from 'pino';
import { connectNats, pingNats } from './index';

const log = pino({ level: 'silent' });

describe('connectNats against a server that requires a user and password', () => {
  let server: OwnNatsServer;

  beforeAll(async () => {
    server = await startOwnNatsServer({ auth: { user: 'dispatcher', pass: 'p@ss:word' } });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('refuses an anonymous client and lets in one whose NATS_URL carries the credentials', async () => {
    await expect(connect({ servers: server.url, timeout: 2_000, reconnect: false })).rejects.toThrow(/Authorization/i);
    const nc = await connectNats({ servers: `nats://dispatcher:${encodeURIComponent('p@ss:word')}@127.0.0.1:${server.port}`, name: 'auth-test', log });
    try {
      await expect(pingNats(nc)).resolves.toBeUndefined();
    } finally {
      await nc.close();
    }
  });
});
