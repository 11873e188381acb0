import { natsServersAndCredentials } from './connection';

describe('natsServersAndCredentials', () => {
  it('passes URLs without credentials through', () => {
    expect(natsServersAndCredentials('nats://a:4222, nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'] });
  });

  it('takes the user and the URL-decoded password out of the URLs, so the server list carries none', () => {
    expect(natsServersAndCredentials('nats://dispatcher:p%40ss%3Aw0rd@nats:4222,nats://dispatcher:p%40ss%3Aw0rd@nats-1:4222')).toEqual({
      servers: ['nats://nats:4222', 'nats://nats-1:4222'],
      user: 'dispatcher',
      pass: 'p@ss:w0rd',
    });
  });

  it('refuses different credentials for different servers', () => {
    expect(() => natsServersAndCredentials('nats://a:x@n1:4222,nats://b:y@n2:4222')).toThrow(/different credentials/);
  });
});
