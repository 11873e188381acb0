// A time-series chart drawn by uPlot on a canvas. Screen readers get the chart's summary (the figure's label);
// the numbers behind it are on the page as text next to it.
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { useDisplay } from './display';

export interface ChartSeriesSpec {
  label: string;
  /** A CSS custom property of the theme holding the colour, e.g. "--delivered". */
  colorVar: string;
  kind: 'bars' | 'line';
  values: ReadonlyArray<number | null>;
  /** What the legend shows for a point, when it differs from the drawn value (stacked bars show their own count). */
  legendValues?: ReadonlyArray<number | null>;
}

interface TimeseriesChartProps {
  title: string;
  /** One sentence for screen readers: what the chart shows and its totals. */
  summary: string;
  /** Bucket starts, epoch seconds. */
  x: readonly number[];
  /** Length of a bucket in seconds: the x axis runs to the end of the last bucket, so its bar shows whole. */
  bucketSeconds: number;
  series: readonly ChartSeriesSpec[];
  formatValue: (value: number) => string;
  height?: number;
  /** Fixes the y range to [0, max] (e.g. 100 for percentages). */
  yMax?: number;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function TimeseriesChart({ title, summary, x, bucketSeconds, series, formatValue, height = 220, yMax }: TimeseriesChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { theme } = useDisplay();
  const data = useMemo(() => [x.slice(), ...series.map((spec) => spec.values.slice())] as unknown as uPlot.AlignedData, [x, series]);
  const shape = `${series.map((spec) => `${spec.label}:${spec.kind}:${spec.colorVar}`).join('|')}|${theme}|${yMax ?? ''}`;
  // What the chart's callbacks read (legend values, tick labels): kept current before any effect runs.
  const latest = useRef({ data, series, formatValue, bucketSeconds });
  useLayoutEffect(() => {
    latest.current = { data, series, formatValue, bucketSeconds };
  });

  useEffect(() => {
    const element = holder.current;
    if (element === null) return undefined;
    const text = cssVar('--text-muted', '#555');
    const grid = cssVar('--grid', '#ddd');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const bars = uPlot.paths.bars?.({ size: [0.75, 48], align: 1 });
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => [min, max + latest.current.bucketSeconds] },
        y: { range: (_u, _min, max) => [0, yMax ?? Math.max(1, Math.ceil(max * 1.1))] },
      },
      axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((tick) => latest.current.formatValue(tick)), size: 60 }],
      series: [
        {},
        ...latest.current.series.map((spec, index) => {
          const color = cssVar(spec.colorVar, '#888');
          return {
            label: spec.label,
            stroke: color,
            width: spec.kind === 'bars' ? 0 : 2,
            fill: spec.kind === 'bars' ? color : undefined,
            ...(spec.kind === 'bars' && bars !== undefined ? { paths: bars } : {}),
            points: { show: false },
            spanGaps: false,
            value: (_u: uPlot, value: number | null, _series: number, idx: number | null) => {
              const shown = idx === null ? value : (latest.current.series[index]?.legendValues?.[idx] ?? value);
              return shown === null || shown === undefined ? '—' : latest.current.formatValue(shown);
            },
          } satisfies uPlot.Series;
        }),
      ],
    };
    const chart = new uPlot(options, latest.current.data, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape, height, yMax]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={holder} role="img" aria-label={summary} className="chart-canvas" />
    </figure>
  );
}
