import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { cpuSeconds, createTestDatabase, createTestNats, freePort, pidsNamed, startOwnNatsServer, startTcpProxy, sumOverProcessesNamed, syscalls, viaProxy, waitFor } from './index';

describe('test resources', () => {
  it('creates a private database and drops it again', async () => {
    const db = await createTestDatabase('selftest');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('select current_database() as name');
    await client.end();
    expect(rows[0]!.name).toMatch(/^hm_selftest_[0-9a-f]{10}$/);
    await db.drop();
    const again = new pg.Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it('gives each caller its own stream prefix and deletes only its own streams', async () => {
    const a = await createTestNats('a');
    const b = await createTestNats('b');
    expect(a.prefix).not.toBe(b.prefix);
    const nc = await connect({ servers: a.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: `${a.prefix}S`, subjects: [`${a.prefix}s.>`] });
    await jsm.streams.add({ name: `${b.prefix}S`, subjects: [`${b.prefix}s.>`] });
    await a.cleanup();
    await expect(jsm.streams.info(`${a.prefix}S`)).rejects.toThrow(/not found/);
    expect((await jsm.streams.info(`${b.prefix}S`)).config.name).toBe(`${b.prefix}S`);
    await b.cleanup();
    await nc.close();
  });

  it('runs a private nats-server that can be killed and restarted on the same data', async () => {
    const server = await startOwnNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      await nc.close();
      await server.stop();
      await expect(connect({ servers: server.url, reconnect: false, timeout: 500 })).rejects.toThrow();
      await server.start();
      nc = await connect({ servers: server.url });
      expect((await (await jetstreamManager(nc)).streams.info('KEEP')).config.name).toBe('KEEP');
      await nc.close();
    } finally {
      await server.destroy();
    }
  });

  it('starts an own nats-server only once however often start() is called, and reserves prefixes on it', async () => {
    const server = await startOwnNatsServer();
    try {
      await Promise.all([server.start(), server.start()]);
      await server.start();
      const nats = await createTestNats('own', { url: server.url });
      expect(nats.url).toBe(server.url);
      // One stop must leave nothing answering: a second process would still accept connections.
      await server.stop();
      await expect(connect({ servers: server.url, reconnect: false, timeout: 500 })).rejects.toThrow();
    } finally {
      await server.destroy();
    }
  });

  it('proxies Postgres and refuses connections while cut, on the same port after restore', async () => {
    const db = await createTestDatabase('proxy');
    const proxy = await startTcpProxy({ host: new URL(db.url).hostname, port: Number(new URL(db.url).port || 5432) });
    const query = async () => {
      const client = new pg.Client({ connectionString: viaProxy(db.url, proxy), connectionTimeoutMillis: 1_000 });
      await client.connect();
      try {
        return (await client.query<{ one: number }>('select 1 as one')).rows[0]!.one;
      } finally {
        await client.end();
      }
    };
    try {
      const port = proxy.port;
      expect(await query()).toBe(1);
      await proxy.cut();
      await expect(query()).rejects.toThrow();
      await proxy.restore();
      expect(proxy.port).toBe(port);
      expect(await query()).toBe(1);
    } finally {
      await proxy.close();
      await db.drop();
    }
  });

  it('holds bytes while held, without closing the connection, and delivers them on release', async () => {
    const db = await createTestDatabase('proxyhold');
    const proxy = await startTcpProxy({ port: Number(new URL(db.url).port) });
    const client = new pg.Client({ connectionString: viaProxy(db.url, proxy) });
    try {
      await client.connect();
      proxy.hold();
      let answered = false;
      const query = client.query<{ one: number }>('select 1 as one').then((result) => {
        answered = true;
        return result.rows[0]!.one;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answered).toBe(false);
      proxy.release();
      expect(await query).toBe(1);
    } finally {
      proxy.release();
      await client.end();
      await proxy.close();
      await db.drop();
    }
  });

  it('finds free ports and waits for conditions with a labelled timeout', async () => {
    expect(await freePort()).toBeGreaterThan(0);
    // Ports another test process was given stay its own: two processes asking at once never get the same one.
    const script = "const { freePort } = require('./libs/testing/src/ports.ts'); (async () => { const ports = []; for (let i = 0; i < 40; i++) ports.push(await freePort()); console.log(JSON.stringify(ports)); })();";
    const child = (async () => {
      const { execFile } = await import('node:child_process');
      return new Promise<number[]>((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '../../..') }, (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as number[]))),
      );
    })();
    const ours: number[] = [];
    for (let i = 0; i < 40; i += 1) ours.push(await freePort());
    const theirs = await child;
    expect(new Set([...ours, ...theirs]).size).toBe(80);
    // Below the kernel's ephemeral range, where a listen(0) elsewhere could land.
    expect(Math.max(...ours, ...theirs)).toBeLessThan(32_768);
    let n = 0;
    await expect(waitFor(() => ++n >= 3, { intervalMs: 1 })).resolves.toBe(true);
    await expect(waitFor(() => false, { timeoutMs: 50, label: 'never' })).rejects.toThrow('timed out waiting for never');
  });

  it('reads a process’s CPU seconds and system calls from /proc, and finds processes by name', async () => {
    // A nats-server of its own, so one surely runs while the names are read.
    const own = await startOwnNatsServer();
    try {
      const spin = Date.now() + 50;
      while (Date.now() < spin) Math.sqrt(Math.random());
      expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
      expect(syscalls(process.pid)).toBeGreaterThan(0);
      expect(pidsNamed('nats-server').length).toBeGreaterThan(0);
      expect(sumOverProcessesNamed('nats-server', syscalls)).toBeGreaterThan(0);
      expect(sumOverProcessesNamed('no-such-process-name', cpuSeconds)).toBe(0);
      expect(cpuSeconds(-1)).toBeUndefined();
    } finally {
      await own.destroy();
    }
  });
});
