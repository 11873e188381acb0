// CI's smoke run of the end-to-end benchmark: the same pipeline as `npm run bench` with a few hundred events.
// It proves the benchmark still works and that nothing is lost on the way; it does not judge speed.
import { formatReport, runBenchmark, type BenchReport } from './bench';
import { countDeliveries, distribution } from './pipeline';

describe('end-to-end benchmark, smoke run', () => {
  let report: BenchReport;

  beforeAll(async () => {
    report = await runBenchmark({
      seconds: 1,
      maxEvents: 300,
      batchSize: 100,
      ingestConnections: 2,
      window: 20_000,
      connectionsPerOrigin: 20,
      latencySeconds: 2,
      latencyShare: 0.25,
      latencyRate: 50,
      drainSeconds: 30,
      traceExport: true,
      fairness: { seconds: 2, rounds: 2, quietRate: 30, floodRate: 50, floodCallbacks: 2, slowMs: 100 },
      // The bench must measure this checkout, not a stack some developer left running.
      env: { ...process.env, BENCH_INGEST_URL: '' },
      log: () => undefined,
    });
  }, 150_000);

  it('delivers every accepted event once per callback with fan-out 1 and 10, ordered and not, and none twice', () => {
    expect(report.fanout1.events).toBe(300);
    expect(report.fanout1).toMatchObject({ expected: 300, arrived: 300, lost: 0, duplicates: 0, unexpected: 0, ingestFailures: 0 });
    expect(report.fanout10.events).toBe(30);
    expect(report.fanout10).toMatchObject({ expected: 300, arrived: 300, lost: 0, duplicates: 0, unexpected: 0, ingestFailures: 0 });
    expect(report.ordered1).toMatchObject({ events: 300, expected: 300, arrived: 300, lost: 0, duplicates: 0, unexpected: 0, ingestFailures: 0 });
    expect(report.lost).toBe(0);
  });

  it("measures another account's latency alone and during a flood, and the flood's backlog drains with nothing lost", () => {
    const { alone, duringFlood, flood } = report.fairness;
    for (const run of [alone, duringFlood]) {
      expect(run).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, ingestFailures: 0 });
      expect(run.fromAcceptedMs.count).toBe(run.events);
      expect(run.events).toBeGreaterThanOrEqual(30);
    }
    expect(report.fairness.p95Ratio).toBeGreaterThan(0);
    // Two rounds, each with its own accounts: the pooled halves hold both rounds' samples.
    expect(report.fairness.rounds).toHaveLength(2);
    expect(report.fairness.rounds.map((round) => round.alone.count + round.duringFlood.count).reduce((sum, count) => sum + count, 0)).toBe(alone.events + duringFlood.events);
    for (const round of report.fairness.rounds) expect(round.flood).toMatchObject({ expected: round.flood.events * 2, arrived: round.flood.events * 2 });
    expect(flood.events).toBeGreaterThan(100);
    expect(flood).toMatchObject({ expected: flood.events * 2, arrived: flood.events * 2, lost: 0, unexpected: 0, ingestFailures: 0 });
  });

  it('times every delivery of the steady-rate run and finds its attempts in the audit API', () => {
    expect(report.latency.lost).toBe(0);
    expect(report.latency.events).toBeGreaterThanOrEqual(90);
    expect(report.latency.fromAcceptedMs.count).toBe(report.latency.events);
    expect(report.latency.fromSentMs.p50).toBeGreaterThan(0);
    expect(report.latency.auditLag.sampled).toBeGreaterThan(0);
    expect(report.latency.auditLag.committed).toBe(report.latency.auditLag.sampled);
  });

  it('exports the services\' traces to its OTLP sink, as production does', () => {
    expect(report.traceExport?.exports).toBeGreaterThan(0);
    expect(report.traceExport?.bytes).toBeGreaterThan(10_000);
  });

  it('measures both ceilings and the memory and CPU of every service process', () => {
    expect(report.ceiling.requests).toBeGreaterThan(0);
    expect(report.ceiling.failures).toBe(0);
    expect(report.jetstream?.stored).toBeGreaterThan(0);
    expect(report.jetstream?.natsMicrosPerStore).toBeGreaterThan(0);
    expect(report.jetstream?.natsMicrosPerConsumeAck).toBeGreaterThan(0);
    for (const service of ['subscription-service', 'event-ingest', 'dispatcher', 'audit']) {
      expect(report.memoryMB.processes[service]).toBeGreaterThan(0);
      expect(report.cpu.fanout1.cpuSeconds[service]).not.toBeNull();
    }
    expect(formatReport(report)).toContain('fan-out 10: deliveries/s');
    expect(formatReport(report)).toContain('ordered fan-out 1 (1,000 keys): deliveries/s');
    expect(formatReport(report)).toContain('CPU ms per delivery during fanout1');
    expect(formatReport(report)).toMatch(/Hookmesh's services \d+\.\d\d, the rest \d+\.\d\d/);
  });

  it("counts the dispatcher's work in each fan-out run: every delivery an attempt, some stored as tasks first", () => {
    for (const phase of ['fanout1', 'fanout10'] as const) {
      const work = report.work[phase];
      expect(work).not.toBeNull();
      expect(work!.attempts).toBeGreaterThanOrEqual(report[phase].arrived);
      expect(work!.tasksStored).toBeLessThanOrEqual(work!.attempts);
    }
    expect(formatReport(report)).toContain('tasks stored per attempt during fanout1');
    // Every event is stored once, every delivery leaves at least one audit record behind it.
    expect(report.stores.fanout1?.events).toBe(report.fanout1.events);
    expect(report.stores.fanout1?.audit).toBeGreaterThan(0);
    expect(formatReport(report)).toContain('JetStream stores per delivery during fanout1');
  });
});

describe('counting at the receiver', () => {
  it('tells lost, repeated and foreign deliveries apart per callback path', () => {
    const count = countDeliveries(
      [
        { path: '/a/0', webhookId: 'm1', count: 1, firstAt: 10 },
        { path: '/a/0', webhookId: 'm2', count: 3, firstAt: 12 },
        { path: '/a/1', webhookId: 'm1', count: 1, firstAt: 11 },
        { path: '/a/1', webhookId: 'stranger', count: 1, firstAt: 13 },
        { path: '/other/0', webhookId: 'm1', count: 1, firstAt: 14 },
      ],
      ['/a/0', '/a/1'],
      new Set(['m1', 'm2']),
    );
    expect(count).toMatchObject({ expected: 4, arrived: 3, lost: 1, duplicates: 2, unexpected: 1, firstArrival: 10, lastArrival: 12 });
  });

  it('reports nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(distribution(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(distribution([]).p99).toBeNaN();
  });
});
