// Overview: how deliveries went over the last hour, day or week, and which callbacks fail.
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCallbacks, useStats, useTimeseries } from '../api/hooks';
import { usePageTitle } from '../components/layout';
import { LoadError, Loading } from '../components/query-state';
import { TimeseriesChart, type ChartSeriesSpec } from '../components/timeseries-chart';
import { formatMs, formatPercent } from '../lib/format';
import {
  chartSeries,
  failingCallbacks,
  isOverviewWindow,
  OVERVIEW_WINDOWS,
  TIMESERIES_BUCKET_SECONDS,
  windowQuery,
  windowTotals,
  type OverviewWindow,
} from '../lib/overview';

const count = (value: number) => String(Math.round(value));

export function OverviewPage() {
  usePageTitle('Overview');
  const [search, setSearch] = useSearchParams();
  const param = search.get('window');
  const windowKey: OverviewWindow = isOverviewWindow(param) ? param : 'day';
  const spec = OVERVIEW_WINDOWS[windowKey];
  const series = useTimeseries(windowKey, () => windowQuery(windowKey, Date.now()), spec.refreshMs);
  const stats = useStats(windowKey, () => windowQuery(windowKey, Date.now()).since, spec.refreshMs);
  const callbacks = useCallbacks();

  const chart = useMemo(() => (series.data ? chartSeries(series.data) : undefined), [series.data]);
  const bucketSeconds = TIMESERIES_BUCKET_SECONDS[series.data?.bucket ?? spec.bucket];
  const totals = useMemo(() => (series.data ? windowTotals(series.data) : undefined), [series.data]);
  const failing = useMemo(() => (stats.data ? failingCallbacks(stats.data) : []), [stats.data]);
  const urlOf = (id: string) => callbacks.data?.find((callback) => callback.id === id)?.url;

  // Stacked bars: each series is drawn as the sum of itself and those below it, tallest first.
  const outcomeSeries = useMemo<ChartSeriesSpec[]>(() => {
    if (chart === undefined) return [];
    const stack = (parts: number[][]) => chart.x.map((_, index) => parts.reduce((sum, part) => sum + (part[index] ?? 0), 0));
    return [
      {
        label: 'Circuit open',
        colorVar: '--circuit-open',
        kind: 'bars',
        values: stack([chart.delivered, chart.failed, chart.retrying, chart.held, chart.circuitOpen]),
        legendValues: chart.circuitOpen,
      },
      { label: 'Held', colorVar: '--held', kind: 'bars', values: stack([chart.delivered, chart.failed, chart.retrying, chart.held]), legendValues: chart.held },
      { label: 'Retrying', colorVar: '--retrying', kind: 'bars', values: stack([chart.delivered, chart.failed, chart.retrying]), legendValues: chart.retrying },
      { label: 'Failed', colorVar: '--failed', kind: 'bars', values: stack([chart.delivered, chart.failed]), legendValues: chart.failed },
      { label: 'Delivered', colorVar: '--delivered', kind: 'bars', values: chart.delivered },
    ];
  }, [chart]);

  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <fieldset className="segmented">
          <legend>Window</legend>
          {(Object.keys(OVERVIEW_WINDOWS) as OverviewWindow[]).map((key) => (
            <label key={key}>
              <input type="radio" name="window" value={key} checked={key === windowKey} onChange={() => setSearch({ window: key }, { replace: true })} />
              {OVERVIEW_WINDOWS[key].label}
            </label>
          ))}
        </fieldset>
      </div>
      {series.isPending ? <Loading what="the delivery series" /> : null}
      {series.isError ? <LoadError error={series.error} what="the delivery series" /> : null}
      {totals && chart ? (
        <>
          <dl className="tiles" aria-label="Totals">
            <div>
              <dt>Deliveries</dt>
              <dd>{totals.deliveries}</dd>
            </div>
            <div>
              <dt>Delivered</dt>
              <dd>{totals.delivered}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd>{totals.failed}</dd>
            </div>
            <div>
              <dt>Retrying</dt>
              <dd>{totals.retrying}</dd>
            </div>
            <div>
              <dt>Success rate</dt>
              <dd>{formatPercent(totals.successRate)}</dd>
            </div>
            <div>
              <dt>p95 latency (worst {series.data?.bucket})</dt>
              <dd>{formatMs(totals.worstP95)}</dd>
            </div>
          </dl>
          <TimeseriesChart
            title={`Deliveries per ${series.data?.bucket} by outcome`}
            summary={`Deliveries per ${series.data?.bucket}, ${spec.label.toLowerCase()}: ${totals.delivered} delivered, ${totals.failed} failed, ${totals.retrying} retrying, ${totals.held} held, ${totals.circuitOpen} waiting on an open circuit.`}
            x={chart.x}
            bucketSeconds={bucketSeconds}
            series={outcomeSeries}
            formatValue={count}
          />
          <div className="chart-row">
            <TimeseriesChart
              title="Success rate"
              summary={`Share of finished deliveries that were delivered, ${spec.label.toLowerCase()}: ${formatPercent(totals.successRate)} overall.`}
              x={chart.x}
              bucketSeconds={bucketSeconds}
              series={[{ label: 'Success rate', colorVar: '--accent', kind: 'line', values: chart.successPercent }]}
              formatValue={(value) => `${Math.round(value)} %`}
              yMax={100}
              height={180}
            />
            <TimeseriesChart
              title="p95 latency"
              summary={`95th percentile of attempt latency per ${series.data?.bucket}; the worst is ${formatMs(totals.worstP95)}.`}
              x={chart.x}
              bucketSeconds={bucketSeconds}
              series={[{ label: 'p95 latency', colorVar: '--latency', kind: 'line', values: chart.p95 }]}
              formatValue={(value) => formatMs(value)}
              height={180}
            />
          </div>
        </>
      ) : null}
      <section aria-labelledby="failing-title">
        <h2 id="failing-title">Failing callbacks</h2>
        {stats.isError ? <LoadError error={stats.error} what="the failing callbacks" /> : null}
        {stats.data && failing.length === 0 ? <p className="muted">No callback failed or is retrying in this window.</p> : null}
        {failing.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Callback</th>
                <th scope="col">Message types</th>
                <th scope="col">Failed</th>
                <th scope="col">Retrying</th>
                <th scope="col">Delivered</th>
                <th scope="col">p95 latency</th>
                <th scope="col">
                  <span className="visually-hidden">Deliveries</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {failing.map((entry) => (
                <tr key={entry.callback_id}>
                  <td className="url">
                    <Link to={`/callbacks/${encodeURIComponent(entry.callback_id)}`}>{urlOf(entry.callback_id) ?? entry.callback_id}</Link>
                  </td>
                  <td>{entry.message_types.join(', ')}</td>
                  <td>{entry.failed}</td>
                  <td>{entry.retrying}</td>
                  <td>{entry.delivered}</td>
                  <td>{formatMs(entry.p95_latency_ms)}</td>
                  <td>
                    <Link to={`/deliveries?callback_id=${encodeURIComponent(entry.callback_id)}&status=${entry.failed > 0 ? 'failed' : 'retrying'}`}>
                      {entry.failed > 0 ? 'Failed deliveries' : 'Retrying deliveries'}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}
