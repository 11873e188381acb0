import { mergeStalls, parseScrape, stallsBetween } from './service-stalls';

const exposition = (lagMax: number, gc: { count: number; sum: number; upTo10ms: number }) =>
  [
    '# TYPE nodejs_eventloop_lag_max_seconds gauge',
    `nodejs_eventloop_lag_max_seconds ${lagMax}`,
    'nodejs_eventloop_lag_p99_seconds 0.0125',
    `nodejs_gc_duration_seconds_bucket{le="0.001",kind="major"} 0`,
    `nodejs_gc_duration_seconds_bucket{le="0.01",kind="major"} ${gc.upTo10ms}`,
    `nodejs_gc_duration_seconds_bucket{le="0.1",kind="major"} ${gc.count}`,
    `nodejs_gc_duration_seconds_sum{kind="major"} ${gc.sum}`,
    `nodejs_gc_duration_seconds_count{kind="major"} ${gc.count}`,
    'nodejs_gc_duration_seconds_count{kind="minor"} 40',
    'nodejs_gc_duration_seconds_sum{kind="minor"} 0.08',
    'nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 40',
  ].join('\n');

describe('service stalls', () => {
  it('reads the loop delay of the second scrape and the collections between the two', () => {
    const before = parseScrape(exposition(0.2, { count: 3, sum: 0.05, upTo10ms: 2 }));
    const after = parseScrape(exposition(0.0612, { count: 7, sum: 0.2, upTo10ms: 4 }));
    expect(stallsBetween(before, after)).toEqual({ lagMaxMs: 61.2, lagP99Ms: 12.5, gc: { major: { count: 4, seconds: 0.15, over10ms: 2 } } });
  });

  it('merges rounds: the longest stall and highest p99 of any, the collections summed, unknown where any is unknown', () => {
    const first = { dispatcher: { lagMaxMs: 30, lagP99Ms: 15, gc: { minor: { count: 10, seconds: 0.08, over10ms: 1 } } }, audit: null };
    const second = {
      dispatcher: { lagMaxMs: 42.5, lagP99Ms: 12, gc: { minor: { count: 5, seconds: 0.051, over10ms: 2 }, major: { count: 1, seconds: 0.012, over10ms: 1 } } },
      audit: { lagMaxMs: 20, lagP99Ms: 11, gc: {} },
    };
    expect(mergeStalls([first, second])).toEqual({
      dispatcher: { lagMaxMs: 42.5, lagP99Ms: 15, gc: { minor: { count: 15, seconds: 0.131, over10ms: 3 }, major: { count: 1, seconds: 0.012, over10ms: 1 } } },
      audit: null,
    });
  });
});
