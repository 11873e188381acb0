// publishJson's budget: one deadline for the whole publish, whatever the link does.
import { createTestNats, startTcpProxy, type TcpProxy, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import { DeadlineExceeded, connectNats, createPubAckInbox, deadlineIn, ensureStream, jetstream, jetstreamManager, publishJson, type AckedPublisher, type NatsConnection } from './index';

const log = pino({ level: 'silent' });

// The same promises through nats.js's js.publish and through the connection's own PubAck inbox.
describe.each([
  ['js.publish', (nc: NatsConnection): AckedPublisher => jetstream(nc)],
  ['a PubAck inbox', (nc: NatsConnection): AckedPublisher => createPubAckInbox(nc)],
] as const)('publishJson within its deadline, through %s', (_name, publisherOf) => {
  let testNats: TestNats;
  let proxy: TcpProxy;
  let nc: NatsConnection;
  let subject: string;

  beforeAll(async () => {
    testNats = await createTestNats("pubdl");
    proxy = await startTcpProxy({ port: Number(new URL(testNats.url).port) });
    nc = await connectNats({ servers: `nats://127.0.0.1:${proxy.port}`, name: 'publish-deadline-test', log });
    subject = `${testNats.prefix}work`;
    await ensureStream(await jetstreamManager(nc), { name: `${testNats.prefix}WORK`, subjects: [`${subject}.>`] }, { update: true });
  });
  afterAll(async () => {
    proxy.release();
    await nc.drain();
    await proxy.close();
    await testNats.cleanup();
  });

  it('gives up after its budget, not once per try, when the link stalls', async () => {
    const js = publisherOf(nc);
    await expect(publishJson(js, `${subject}.a`, { n: 1 }, { msgID: 'before', timeoutMs: 600 })).resolves.toMatchObject({ duplicate: false });
    proxy.hold();
    const started = Date.now();
    await expect(publishJson(js, `${subject}.a`, { n: 2 }, { msgID: 'stalled', timeoutMs: 600 })).rejects.toBeInstanceOf(DeadlineExceeded);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1_000);
    proxy.release();
    await expect(publishJson(js, `${subject}.a`, { n: 3 }, { msgID: 'after', timeoutMs: 2_000 })).resolves.toMatchObject({ duplicate: false });
  });

  it('shares one deadline between the publishes of one request', async () => {
    const js = publisherOf(nc);
    const deadline = deadlineIn(700);
    await publishJson(js, `${subject}.b`, { n: 1 }, { msgID: 'shared-1', deadline });
    // The request spends part of its budget elsewhere; the next publish may only wait for the rest.
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.hold();
    const started = Date.now();
    await expect(publishJson(js, `${subject}.b`, { n: 2 }, { msgID: 'shared-2', deadline })).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(550);
    proxy.release();
  });

  it('tries again after "no responders" until the deadline, then says so', async () => {
    const js = publisherOf(nc);
    const started = Date.now();
    // No stream listens on this subject: every try is refused at once, and the retries stay inside the budget.
    await expect(publishJson(js, `${testNats.prefix}nostream.x`, { n: 1 }, { msgID: 'nobody', timeoutMs: 800 })).rejects.toBeInstanceOf(DeadlineExceeded);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1_100);
  });
});
