// What a 3-node JetStream cluster on this machine stores per second at R1 and at R3 (docs/deploy.md, "Capacity and
// cluster settings"): the ceiling of jetstream-ceiling.ts, on a throwaway loopback cluster of nats-server.
//   npx nx run bench:cluster-ceiling            (SECONDS_PER_RUN=5 by default)
import { startNatsCluster } from '@hookmesh/testing';
import { measureJetStreamCeiling } from './jetstream-ceiling';

async function main(): Promise<void> {
  const seconds = Number(process.env['SECONDS_PER_RUN'] ?? 5);
  const cluster = await startNatsCluster();
  try {
    for (const replicas of [1, 3]) {
      // The CPU figures sum every nats-server process on the machine: all three nodes of the cluster (and any other).
      const result = await measureJetStreamCeiling(cluster.servers, { seconds, window: 200, maxMessages: 500_000, replicas });
      console.log(
        `cluster-ceiling R${replicas}: ${Math.round(result.perSecond)} stores/s (${result.stored} in ${result.seconds.toFixed(1)} s, ${result.window} in flight, ${result.bodyBytes}-byte tasks); ` +
          `nats-server CPU ${result.natsMicrosPerStore?.toFixed(0) ?? '?'} µs per store, ${result.natsMicrosPerConsumeAck?.toFixed(0) ?? '?'} µs per consume+ack (all three nodes)`,
      );
    }
  } finally {
    await cluster.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
