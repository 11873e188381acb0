// The 3-node cluster helper really clusters: R3 streams get a leader, a killed leader is replaced, a node comes back.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsCluster, type NatsCluster } from './nats-cluster';

describe('startNatsCluster', () => {
  let cluster: NatsCluster;

  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('runs R3 streams whose leader fails over to another node and back', async () => {
    expect(cluster.servers.split(',')).toHaveLength(3);
    const nc = await connect({ servers: cluster.servers.split(','), timeout: 5_000 });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'clustertry', subjects: ['clustertry.>'], num_replicas: 3 });
      const info = await jsm.streams.info('clustertry');
      expect(info.cluster?.replicas).toHaveLength(2);
      const leader = await cluster.waitForStreamLeader('clustertry', 10_000);
      await cluster.stop(leader);
      const next = await cluster.waitForStreamLeader('clustertry', 20_000);
      expect(next).not.toBe(leader);
      expect(await cluster.nodeConnectedTo('nope')).toBeUndefined();
      await cluster.start(leader);
      await cluster.waitForMetaLeader();
      expect(cluster.running(leader)).toBe(true);
    } finally {
      await nc.close();
    }
  }, 60_000);
});
