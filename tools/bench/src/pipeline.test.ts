import { poolLatency, sumPhaseCpu, type LatencySamples } from './pipeline';

const run = (fromAccepted: number[], over: Partial<LatencySamples> = {}): LatencySamples => ({
  expected: fromAccepted.length,
  arrived: fromAccepted.length,
  duplicates: 0,
  lost: 0,
  unexpected: 0,
  firstArrival: 1_000,
  lastArrival: 2_000,
  ratePerSecond: 30,
  batchSize: 15,
  events: fromAccepted.length,
  ingestFailures: 0,
  fromAccepted,
  fromSent: fromAccepted.map((ms) => ms + 5),
  ingest: fromAccepted.map(() => 5),
  auditLag: { sampled: 1, upper: [100], lower: [50] },
  ...over,
});

describe('poolLatency', () => {
  it("takes the percentiles of every run's samples together, not an average of each run's", () => {
    // Twenty samples each: alone, the first run's p95 is 19 and the second's 100 (its two stalled samples are 10 %
    // of it); pooled, those two are 5 % of forty, and the p95 is the highest of the rest.
    const calm = run(Array.from({ length: 20 }, (_, i) => i + 1));
    const stalled = run([...Array.from({ length: 18 }, (_, i) => i + 1), 100, 100], { duplicates: 1, lost: 2, firstArrival: 500, lastArrival: 3_000, auditLag: { sampled: 2, upper: [300], lower: [] } });
    expect(poolLatency([stalled]).fromAcceptedMs.p95).toBe(100);
    const pooled = poolLatency([calm, stalled]);
    expect(pooled.fromAcceptedMs).toEqual({ count: 40, p50: 10, p95: 20, p99: 100, max: 100 });
    expect(pooled).toMatchObject({ expected: 40, arrived: 40, events: 40, duplicates: 1, lost: 2, firstArrival: 500, lastArrival: 3_000 });
    expect(pooled.fromSentMs.max).toBe(105);
    expect(pooled.auditLag).toMatchObject({ sampled: 3, committed: 2, upperMs: { count: 2, max: 300 } });
  });

  it('of one run is that run', () => {
    expect(poolLatency([run([3, 1, 2])]).fromAcceptedMs).toEqual({ count: 3, p50: 2, p95: 3, p99: 3, max: 3 });
  });
});

describe('sumPhaseCpu', () => {
  it('adds wall time and each process, unknown where any phase does not know it', () => {
    expect(
      sumPhaseCpu([
        { wallSeconds: 10, cpuSeconds: { dispatcher: 1.25, postgres: null } },
        { wallSeconds: 10.5, cpuSeconds: { dispatcher: 2, postgres: 0.5 } },
      ]),
    ).toEqual({ wallSeconds: 20.5, cpuSeconds: { dispatcher: 3.25, postgres: null } });
  });
});
