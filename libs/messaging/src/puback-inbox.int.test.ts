// The PubAck inbox against real JetStream: what js.publish answers, it answers, and a publish leaves nothing behind.
import { createTestNats, type TestNats } from '@hookmesh/testing';
import pino from 'pino';
import { connectNats, createPubAckInbox, ensureStream, jetstream, jetstreamManager, type NatsConnection } from './index';

const log = pino({ level: 'silent' });
const bytes = (text: string) => new TextEncoder().encode(text);

describe('createPubAckInbox', () => {
  let testNats: TestNats;
  let nc: NatsConnection;
  let subject: string;

  beforeAll(async () => {
    testNats = await createTestNats('puback');
    nc = await connectNats({ servers: testNats.url, name: 'puback-inbox-test', log });
    subject = `${testNats.prefix}acks`;
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, { name: `${testNats.prefix}ACKS`, subjects: [`${subject}.>`], duplicate_window: 60_000_000_000 }, { update: true });
    // Two messages at most, refusing the third: the stream's own error must come back as such.
    await ensureStream(jsm, { name: `${testNats.prefix}FULL`, subjects: [`${subject}-full.>`], max_msgs: 2, discard: 'new' as never }, { update: true });
  });
  afterAll(async () => {
    await nc.drain();
    await testNats.cleanup();
  });

  it('answers with the stored sequence, tells a repeated Nats-Msg-Id, and keeps nothing waiting', async () => {
    const inbox = createPubAckInbox(nc);
    const acks = await Promise.all(Array.from({ length: 50 }, (_, n) => inbox.publish(`${subject}.a`, bytes(`{"n":${n}}`), { msgID: `m-${n}`, timeout: 2_000 })));
    expect(acks.map((ack) => ack.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    expect(acks.every((ack) => ack.stream === `${testNats.prefix}ACKS` && !ack.duplicate)).toBe(true);
    const repeat = await inbox.publish(`${subject}.a`, bytes('{"n":7}'), { msgID: 'm-7', timeout: 2_000 });
    expect(repeat).toMatchObject({ duplicate: true, seq: acks[7]!.seq });
    expect(inbox.pending()).toBe(0);
    // What js.publish stores, the inbox stores alike: the same stream, one sequence on.
    const viaJs = await jetstream(nc).publish(`${subject}.a`, bytes('{"n":50}'), { msgID: 'm-50' });
    expect(viaJs.seq).toBe(51);
  });

  it("fails as js.publish does: no responders as JetStreamNotEnabled, the stream's refusal as JetStreamApiError, silence as TimeoutError", async () => {
    const inbox = createPubAckInbox(nc);
    await expect(inbox.publish(`${testNats.prefix}nostream.x`, bytes('{}'), { timeout: 2_000 })).rejects.toMatchObject({ name: 'JetStreamNotEnabled' });
    // With retries (the audit batcher's three), "no responders" is tried again after 250 and 500 ms before it fails.
    const retried = Date.now();
    await expect(inbox.publish(`${testNats.prefix}nostream.y`, bytes('{}'), { timeout: 2_000, retries: 3 })).rejects.toMatchObject({ name: 'JetStreamNotEnabled' });
    expect(Date.now() - retried).toBeGreaterThanOrEqual(700);
    await inbox.publish(`${subject}-full.a`, bytes('{}'), { msgID: 'f1', timeout: 2_000 });
    await inbox.publish(`${subject}-full.a`, bytes('{}'), { msgID: 'f2', timeout: 2_000 });
    await expect(inbox.publish(`${subject}-full.a`, bytes('{}'), { msgID: 'f3', timeout: 2_000 })).rejects.toMatchObject({ name: 'JetStreamApiError' });
    // A plain subscriber that never answers: the publish waits its timeout and no longer.
    const silent = nc.subscribe(`${testNats.prefix}silent`);
    const started = Date.now();
    await expect(inbox.publish(`${testNats.prefix}silent`, bytes('{}'), { timeout: 300 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1_000);
    silent.unsubscribe();
    expect(inbox.pending()).toBe(0);
  });
});
