import { connect } from '@nats-io/transport-node';
import type { Socket } from 'node:net';
import { testNatsUrl } from '@hookmesh/testing';
import pino from 'pino';
import { CoalescedTransport } from './coalesced-transport';
import { connectNats, type NatsConnection } from './index';

const log = pino({ level: 'silent' });

/** Counts the write system calls the connection's socket makes (one per _write or _writev). */
function countWrites(nc: NatsConnection): { writes: () => number } {
  const transport = (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport;
  const socket = transport.socket as Socket & Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      writes += 1;
      return original(...args);
    };
  }
  return { writes: () => writes };
}

describe('the coalescing NATS transport', () => {
  let nc: NatsConnection;
  let subscriber: NatsConnection;

  beforeAll(async () => {
    const servers = await testNatsUrl();
    nc = await connectNats({ servers, name: 'coalesce-test', log });
    subscriber = await connectNats({ servers, name: 'coalesce-test-sub', log });
  });
  afterAll(async () => {
    await nc.close();
    await subscriber.close();
  });

  /** Publishes forty messages over forty microtasks of one turn, as attempts settling one after another would; returns the writes it took. */
  async function publishInOneTurn(publisher: NatsConnection): Promise<{ received: string[]; writes: number }> {
    const subject = `coalesce.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    const received: string[] = [];
    const sub = subscriber.subscribe(subject, { max: 40, callback: (_error, msg) => void received.push(msg.string()) });
    await subscriber.flush();
    const { writes } = countWrites(publisher);

    await new Promise<void>((resolve) => {
      setImmediate(async () => {
        for (let index = 0; index < 40; index += 1) {
          await Promise.resolve();
          publisher.publish(subject, `m${index}`);
        }
        resolve();
      });
    });
    await publisher.flush();
    await sub.closed;
    return { received, writes: writes() };
  }

  it('sends the publishes of one event-loop turn in one write, in order, and all of them arrive', async () => {
    expect((nc as unknown as { protocol: { transport: unknown } }).protocol.transport).toBeInstanceOf(CoalescedTransport);
    const coalesced = await publishInOneTurn(nc);
    expect(coalesced.received).toEqual(Array.from({ length: 40 }, (_, index) => `m${index}`));
    // The flush's PING, sent in the same turn, joins them.
    expect(coalesced.writes).toBe(1);

    // nats.js's own transport flushes after the first publish and again after each later one.
    const plain = await connect({ servers: await testNatsUrl() });
    try {
      const uncoalesced = await publishInOneTurn(plain);
      expect(uncoalesced.received).toEqual(coalesced.received);
      expect(uncoalesced.writes).toBeGreaterThan(10);
    } finally {
      await plain.close();
    }
  });

  it('answers requests as usual (the write of a request is not held past its turn)', async () => {
    const subject = `coalesce.echo.${process.pid}.${Date.now()}`;
    const sub = subscriber.subscribe(subject, { callback: (_error, msg) => void msg.respond(`echo ${msg.string()}`) });
    await subscriber.flush();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => nc.request(subject, `r${index}`, { timeout: 2_000 })));
    expect(answers.map((answer) => answer.string())).toEqual(Array.from({ length: 20 }, (_, index) => `echo r${index}`));
    sub.unsubscribe();
  });
});
