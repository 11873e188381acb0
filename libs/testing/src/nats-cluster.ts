// A 3-node JetStream cluster of nats-server on loopback, for tests that kill stream leaders and lose quorum
// the way a production R3 installation can. Each node has its own config file and store folder in a temp dir,
// a client port, a route port and a monitoring port (which tells the tests who leads what and who is connected).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsServerBinary } from './nats-server';
import { freePort } from './ports';
import { waitFor } from './wait';

export type ClusterNode = {
  index: number;
  /** server_name: what STREAM INFO's cluster.leader and the meta leader are reported as. */
  name: string;
  url: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
};

export type NatsCluster = {
  nodes: readonly ClusterNode[];
  /** Every node's URL, comma-joined: the NATS_URL services are given. */
  servers: string;
  /** SIGKILLs one node (or sends `signal`) and waits for its exit. */
  stop(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts one node again on its ports and store folder; a no-op while it runs. Resolves once it answers clients. */
  start(index: number): Promise<void>;
  running(index: number): boolean;
  /** Waits until the running nodes agree on a meta leader among them and JetStream answers; returns its index. */
  waitForMetaLeader(timeoutMs?: number): Promise<number>;
  /** The node that leads a stream now (STREAM INFO cluster.leader), or undefined when none answers. */
  streamLeader(stream: string): Promise<number | undefined>;
  /** Waits until the stream has a leader on a running node and returns its index (0 is a node: no plain waitFor). */
  waitForStreamLeader(stream: string, timeoutMs?: number): Promise<number>;
  /** The node that leads a consumer now (CONSUMER INFO cluster.leader), or undefined when none answers. */
  consumerLeader(stream: string, consumer: string): Promise<number | undefined>;
  /** The node a client connection whose name starts with `namePrefix` is connected to (monitoring /connz). */
  nodeConnectedTo(namePrefix: string): Promise<number | undefined>;
  /** Waits until a connection whose name starts with `namePrefix` is connected to a node and returns its index. */
  waitForNodeConnectedTo(namePrefix: string, timeoutMs?: number): Promise<number>;
  /** Kills every node and deletes the temp dir. */
  destroy(): Promise<void>;
};

const LOOPBACK = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;

/** The node config: unique server_name (JetStream clustering needs it), routes to every other node. */
function nodeConfig(node: ClusterNode, clusterName: string, peers: readonly ClusterNode[]): string {
  const routes = peers.filter((peer) => peer.index !== node.index).map((peer) => `    "nats-route://${LOOPBACK}:${peer.clusterPort}"`);
  return [
    `server_name: ${node.name}`,
    `listen: "${LOOPBACK}:${node.port}"`,
    `http: "${LOOPBACK}:${node.monitorPort}"`,
    `jetstream {`,
    `  store_dir: "${node.storeDir}"`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 2GB`,
    `}`,
    `cluster {`,
    `  name: ${clusterName}`,
    `  listen: "${LOOPBACK}:${node.clusterPort}"`,
    `  routes: [`,
    routes.join(',\n'),
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

async function monitor<T>(node: ClusterNode, endpoint: string): Promise<T | undefined> {
  const response = await fetch(`http://${LOOPBACK}:${node.monitorPort}${endpoint}`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
  if (!response?.ok) return undefined;
  return (await response.json()) as T;
}

/**
 * Starts `size` (3) nats-servers with JetStream as one cluster on free loopback ports and waits for a meta leader.
 * Always destroy() it: the processes and store folders outlive a failed test otherwise.
 */
export async function startNatsCluster(options: { size?: number } = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const binary = natsServerBinary();
  const root = mkdtempSync(path.join(tmpdir(), 'hm-nats-cluster-'));
  const clusterName = `hm${randomBytes(3).toString('hex')}`;
  const nodes: ClusterNode[] = [];
  for (let index = 0; index < size; index += 1) {
    const port = await freePort();
    nodes.push({
      index,
      name: `${clusterName}-n${index}`,
      url: `nats://${LOOPBACK}:${port}`,
      port,
      clusterPort: await freePort(),
      monitorPort: await freePort(),
      storeDir: path.join(root, `n${index}`, 'store'),
    });
  }
  const configFiles = nodes.map((node) => {
    mkdirSync(node.storeDir, { recursive: true });
    const file = path.join(root, `n${node.index}`, 'nats.conf');
    writeFileSync(file, nodeConfig(node, clusterName, nodes));
    return file;
  });
  const children: (ChildProcess | undefined)[] = nodes.map(() => undefined);
  const starting = new Map<number, Promise<void>>();

  const running = (index: number): boolean => {
    const child = children[index];
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const nodeAt = (index: number): ClusterNode => {
    const node = nodes[index];
    if (!node) throw new Error(`the cluster has no node ${index} (it has ${nodes.length})`);
    return node;
  };
  const indexOfName = (name: string | undefined): number | undefined => {
    const index = nodes.findIndex((node) => node.name === name);
    return index < 0 ? undefined : index;
  };

  async function spawnAndWait(index: number): Promise<void> {
    const node = nodeAt(index);
    const child = spawn(binary, ['-c', configFiles[index]!], { stdio: 'ignore' });
    children[index] = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server ${node.name} exited with ${child.exitCode} while starting`);
        const nc = await connect({ servers: node.url, timeout: 500, reconnect: false });
        await nc.close();
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, label: `nats-server ${node.name} answers on ${node.port}` },
    );
  }

  function start(index: number): Promise<void> {
    nodeAt(index);
    const pending = starting.get(index);
    if (pending) return pending;
    if (running(index)) return Promise.resolve();
    const started = spawnAndWait(index).finally(() => starting.delete(index));
    starting.set(index, started);
    return started;
  }

  async function stop(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await starting.get(index)?.catch(() => undefined);
    const child = children[index];
    children[index] = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** A connection to the running nodes only, for one JetStream API question. */
  async function withConnection<T>(use: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const servers = nodes.filter((node) => running(node.index)).map((node) => node.url);
    if (servers.length === 0) throw new Error('no node of the cluster is running');
    const nc = await connect({ servers, timeout: 1_000, reconnect: false });
    try {
      return await use(nc);
    } finally {
      await nc.close().catch(() => undefined);
    }
  }

  // Short API timeouts: a question to a stream without a leader must fail fast, the callers poll.
  const manager = (nc: NatsConnection) => jetstreamManager(nc, { timeout: 1_000, checkAPI: false });

  const cluster: NatsCluster = {
    nodes,
    servers: nodes.map((node) => node.url).join(','),
    stop,
    start,
    running,
    async waitForMetaLeader(timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const live = nodes.filter((node) => running(node.index));
          const views = await Promise.all(live.map((node) => monitor<{ meta_cluster?: { leader?: string } }>(node, '/jsz')));
          const leaders = new Set(views.map((view) => view?.meta_cluster?.leader));
          if (leaders.size !== 1) return undefined;
          const leader = indexOfName([...leaders][0]);
          if (leader === undefined || !running(leader)) return undefined;
          // The meta leader answers JetStream API requests once it has caught up.
          await withConnection(async (nc) => (await manager(nc)).getAccountInfo());
          return { leader };
        },
        { timeoutMs, intervalMs: 100, label: 'a JetStream meta leader' },
      ).then((found) => found.leader);
    },
    async streamLeader(stream) {
      const info = await withConnection(async (nc) => (await manager(nc)).streams.info(stream)).catch((error: unknown) => {
        // No leader answers (a timeout): undefined; anything else (a wrong name) is the caller's to see.
        if (/timeout|no responders/i.test(String(error))) return undefined;
        throw error;
      });
      const leader = indexOfName(info?.cluster?.leader);
      return leader !== undefined && running(leader) ? leader : undefined;
    },
    async waitForStreamLeader(stream, timeoutMs = 30_000) {
      const found = await waitFor(async () => {
        const leader = await cluster.streamLeader(stream);
        return leader === undefined ? undefined : { leader };
      }, { timeoutMs, intervalMs: 100, label: `a leader of stream ${stream}` });
      return found.leader;
    },
    async consumerLeader(stream, consumer) {
      const info = await withConnection(async (nc) => (await manager(nc)).consumers.info(stream, consumer)).catch((error: unknown) => {
        if (/timeout|no responders/i.test(String(error))) return undefined;
        throw error;
      });
      const leader = indexOfName(info?.cluster?.leader);
      return leader !== undefined && running(leader) ? leader : undefined;
    },
    async nodeConnectedTo(namePrefix) {
      for (const node of nodes) {
        if (!running(node.index)) continue;
        const connz = await monitor<{ connections?: { name?: string }[] }>(node, '/connz?limit=1024');
        if (connz?.connections?.some((connection) => connection.name?.startsWith(namePrefix))) return node.index;
      }
      return undefined;
    },
    async waitForNodeConnectedTo(namePrefix, timeoutMs = 10_000) {
      const found = await waitFor(async () => {
        const index = await cluster.nodeConnectedTo(namePrefix);
        return index === undefined ? undefined : { index };
      }, { timeoutMs, intervalMs: 100, label: `a connection named ${namePrefix}*` });
      return found.index;
    },
    async destroy() {
      await Promise.all(nodes.map((node) => stop(node.index, 'SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(nodes.map((node) => start(node.index)));
    await cluster.waitForMetaLeader();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
