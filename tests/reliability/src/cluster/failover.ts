// How the cluster fault suite measures a failover: when the streams and consumers deliveries need have a live
// leader again, and how long after that the first webhook arrives.
import { natsNames } from '@hookmesh/contracts';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsCluster, ReceivedRequest } from '@hookmesh/testing';

/** The streams and (stream, consumer)s a delivery passes through: EVENTS and its fan-out, DELIVERIES and its lane. */
export type DeliveryPath = { streams: string[]; consumers: [stream: string, consumer: string][] };

export function deliveryPathOf(prefix: string): DeliveryPath {
  const names = natsNames(prefix);
  return {
    streams: [names.streams.events, names.streams.deliveries],
    consumers: [
      [names.streams.events, names.consumers.dispatcherFanout],
      [names.streams.deliveries, names.consumers.dispatcherDelivery],
    ],
  };
}

const PROBE_EVERY_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;

export type LeaderProbe = {
  /**
   * Resolves with the moment every stream and consumer of the path had a leader on a running node, probing each every
   * 100 ms with overlapping requests: the moment is when the first successful request was sent (conservative: the
   * leader may have been elected a little later), so a hung request does not make the failover look shorter.
   */
  pathHasLeaders(path: DeliveryPath, timeoutMs?: number): Promise<number>;
  /** Waits until every stream named with the prefix has all its replicas current (a restarted node caught up). */
  replicasCurrent(prefix: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/** A probe connection to the whole cluster that follows it through restarts. */
export async function openLeaderProbe(cluster: NatsCluster): Promise<LeaderProbe> {
  const nc: NatsConnection = await connect({ servers: cluster.servers.split(','), timeout: 5_000, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const jsm: JetStreamManager = await jetstreamManager(nc, { timeout: PROBE_TIMEOUT_MS, checkAPI: false });
  const liveLeader = (name: string | undefined): boolean => {
    const node = cluster.nodes.find((candidate) => candidate.name === name);
    return node !== undefined && cluster.running(node.index);
  };

  async function firstSuccess(ask: () => Promise<string | undefined>, deadline: number, label: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const timer = setInterval(() => {
        if (settled) return;
        if (Date.now() > deadline) {
          settled = true;
          clearInterval(timer);
          reject(new Error(`${label} had no leader in time`));
          return;
        }
        const sentAt = Date.now();
        ask()
          .then((leader) => {
            if (settled || !liveLeader(leader)) return;
            settled = true;
            clearInterval(timer);
            resolve(sentAt);
          })
          .catch(() => undefined);
      }, PROBE_EVERY_MS);
    });
  }

  return {
    async pathHasLeaders(path, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const moments = await Promise.all([
        ...path.streams.map((stream) => firstSuccess(async () => (await jsm.streams.info(stream)).cluster?.leader, deadline, stream)),
        ...path.consumers.map(([stream, consumer]) => firstSuccess(async () => (await jsm.consumers.info(stream, consumer)).cluster?.leader, deadline, `${stream}/${consumer}`)),
      ]);
      return Math.max(...moments);
    },
    async replicasCurrent(prefix, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const behind: string[] = [];
        try {
          for await (const stream of jsm.streams.list()) {
            if (!stream.config.name.startsWith(prefix) && !stream.config.name.startsWith(`KV_${prefix}`)) continue;
            const replicas = stream.cluster?.replicas ?? [];
            if (!stream.cluster?.leader || replicas.length !== stream.config.num_replicas - 1 || replicas.some((replica) => !replica.current)) behind.push(stream.config.name);
          }
          if (behind.length === 0) return;
        } catch (error) {
          behind.push(String(error));
        }
        if (Date.now() > deadline) throw new Error(`replicas not current in time: ${behind.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    close: () => nc.close(),
  };
}

/** When the first request after `at` arrived (whatever the receiver answered); undefined when none did yet. */
export function firstRequestAfter(requests: readonly ReceivedRequest[], at: number): number | undefined {
  const later = requests.filter((request) => request.at >= at).map((request) => request.at);
  return later.length === 0 ? undefined : Math.min(...later);
}

/** The longest time between two requests arriving within [from, to]: how long deliveries stalled. */
export function longestGap(requests: readonly ReceivedRequest[], from: number, to: number): number {
  const moments = [from, ...requests.map((request) => request.at).filter((at) => at >= from && at <= to), to].sort((a, b) => a - b);
  let longest = 0;
  for (let index = 1; index < moments.length; index += 1) longest = Math.max(longest, moments[index]! - moments[index - 1]!);
  return longest;
}
