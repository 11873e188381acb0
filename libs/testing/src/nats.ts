import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { servicesForThisProcess, TEST_SERVICES_HOW_TO as HOW_TO } from './containers';

export type TestNats = {
  url: string;
  /** A unique HOOKMESH_STREAM_PREFIX for this test file. */
  prefix: string;
  /** Deletes every stream and KV bucket whose name starts with the prefix. */
  cleanup(): Promise<void>;
};

/** The NATS server tests use: NATS_URL, which the jest preset's globalSetup sets to a container when unset. */
export async function testNatsUrl(): Promise<string> {
  return process.env['NATS_URL'] ?? (await servicesForThisProcess()).env.NATS_URL;
}

/**
 * Reserves a unique stream prefix on the test NATS server (or on `options.url`, e.g. an own nats-server)
 * and checks JetStream answers.
 */
export async function createTestNats(label = 't', options: { url?: string } = {}): Promise<TestNats> {
  const url = options.url ?? (await testNatsUrl());
  const prefix = `${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 10)}${randomBytes(4).toString('hex')}_`;
  // NATS_URL may name several servers (a cluster), comma-separated like the services read it.
  const servers = url.split(',');
  const nc = await connect({ servers, timeout: 5_000 }).catch((error: unknown) => {
    throw new Error(`${HOW_TO}\nCould not connect to ${url}: ${String(error)}`, { cause: error });
  });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.getAccountInfo();
  } catch (error) {
    await nc.close();
    throw new Error(`${HOW_TO}\nJetStream is not enabled on ${url}: ${String(error)}`, { cause: error });
  }
  await nc.close();
  return {
    url,
    prefix,
    async cleanup() {
      const conn = await connect({ servers, timeout: 5_000 });
      try {
        const jsm = await jetstreamManager(conn);
        const names: string[] = [];
        for await (const stream of jsm.streams.list()) names.push(stream.config.name);
        for (const name of names) {
          if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(name);
        }
      } finally {
        await conn.close();
      }
    },
  };
}
