import pino from 'pino';
import { createShutdown } from './shutdown';

const log = pino({ level: 'silent' });

describe('createShutdown', () => {
  it('runs steps once, in registration order, even when one fails', async () => {
    const order: string[] = [];
    const shutdown = createShutdown(log);
    shutdown.register('http', () => void order.push('http'));
    shutdown.register('consumers', async () => {
      order.push('consumers');
      throw new Error('boom');
    });
    shutdown.register('db', async () => void order.push('db'));
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    await shutdown.run('third');
    expect(order).toEqual(['http', 'consumers', 'db']);
  });

  it('gives up on a step that hangs and goes on with the next', async () => {
    const order: string[] = [];
    const shutdown = createShutdown(log, { stepTimeoutMs: 50 });
    shutdown.register('stuck', () => new Promise<void>(() => undefined));
    shutdown.register('after', () => void order.push('after'));
    await shutdown.run('test');
    expect(order).toEqual(['after']);
  });
});
