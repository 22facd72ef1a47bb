/**
 * Figures of a metric with its interval: the ablation bars (one bar per method and split) and
 * the λ sweep (the metric against the score-loss weight, one line per split).
 *
 * @module report/intervalFigures
 */
import {
  axis,
  baseLayout,
  DEFAULT_SIZE,
  distinct,
  finiteOrNull,
  type Interval,
  intervalErrorBars,
  methodPrefix,
  splitColor,
  splitLabel,
  titled,
} from './figureStyle';
import type { Figure, FigureOptions, PlotlyTrace } from './plotly';

/** One bar with its interval: a value of `label` (x) in `group` (one trace per group). */
export interface IntervalPoint extends Interval {
  /** The x category, e.g. `tract (T)`. */
  label: string;
  /** The series, e.g. a split id (`test`, `test-ood`); named with {@link splitLabel}. */
  group: string;
}

/** Options of {@link ablationBars}. */
export interface AblationBarsOptions extends FigureOptions {
  /** The y-axis title (default 'Pearson r'). */
  yTitle?: string;
  /** The x-axis title (default 'method'). */
  xTitle?: string;
  /** How the intervals were made, for the title (e.g. '95% bootstrap intervals'). */
  intervalNote?: string;
}

/**
 * Grouped bars with asymmetric error bars: x = labels in order of first appearance, one trace per
 * group. Error bar i spans [lo, hi] (plotly's `array` = hi − value, `arrayminus` = value − lo).
 * Non-finite values are gaps.
 * @example ablationBars([{ label: 'tract (T)', group: 'test', value: 0.6, lo: 0.5, hi: 0.7 }])
 */
export function ablationBars(points: IntervalPoint[], opts: AblationBarsOptions = {}): Figure {
  const labels = distinct(points, (p) => p.label);
  const groups = distinct(points, (p) => p.group);
  const data: PlotlyTrace[] = groups.map((g, gi) => {
    const byLabel = new Map(points.filter((p) => p.group === g).map((p) => [p.label, p]));
    const ps = labels.map((l) => byLabel.get(l));
    return {
      type: 'bar',
      name: splitLabel(g),
      x: labels,
      y: ps.map((p) => finiteOrNull(p ? p.value : NaN)),
      marker: { color: splitColor(g, gi), line: { color: '#333333', width: 0.5 } },
      error_y: intervalErrorBars(ps, '#222222'),
      customdata: ps.map((p) => [p?.lo ?? NaN, p?.hi ?? NaN].map(finiteOrNull)),
      hovertemplate: '%{x}<br>%{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]',
    };
  });
  const yTitle = opts.yTitle ?? 'Pearson r';
  const title = `Agreement with gold labels${opts.intervalNote ? ` (${opts.intervalNote})` : ''}`;
  const width = opts.width ?? Math.max(DEFAULT_SIZE.width, 90 * labels.length + 120);
  const xTitle = opts.xTitle ?? 'method';
  const layout = baseLayout(title, xTitle, yTitle, { width, height: opts.height ?? 440 });
  layout.barmode = 'group';
  layout.bargap = 0.25;
  layout.bargroupgap = 0.08;
  layout.xaxis = axis(xTitle, { showgrid: false, tickangle: labels.some((l) => l.length > 10) ? -30 : 0 });
  layout.yaxis = axis(yTitle, { zeroline: true, zerolinecolor: '#333333', zerolinewidth: 1 });
  return { data, layout: titled(layout, opts) };
}

/** A point of a λ sweep: the metric at one λ for one split, with its interval. */
export interface SweepPoint extends Interval {
  lambda: number;
  split: string;
}

/** Options of {@link lambdaSweep}. */
export interface LambdaSweepOptions extends AblationBarsOptions {
  /** Method id, for the title. */
  method?: string;
}

/**
 * The metric (Pearson r by default) against λ, one line per split, with interval error bars.
 * The λ axis is logarithmic with a tick at each swept value; the splits are dodged by a small
 * factor (±2% per split) so that their error bars do not overlap, and the hover shows the real λ.
 */
export function lambdaSweep(points: SweepPoint[], opts: LambdaSweepOptions = {}): Figure {
  const splits = distinct(points, (p) => p.split);
  const bad = points.find((p) => !(p.lambda > 0));
  if (bad) throw new RangeError(`lambdaSweep: λ must be positive for a log axis, got ${bad.lambda}`);
  const data: PlotlyTrace[] = splits.map((split, i) => {
    const ps = points.filter((p) => p.split === split).sort((a, b) => a.lambda - b.lambda);
    const color = splitColor(split, i);
    const dodge = 10 ** ((i - (splits.length - 1) / 2) * 0.02);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: splitLabel(split),
      x: ps.map((p) => p.lambda * dodge),
      y: ps.map((p) => finiteOrNull(p.value)),
      customdata: ps.map((p) => [p.lambda, finiteOrNull(p.lo), finiteOrNull(p.hi)]),
      hovertemplate: 'λ = %{customdata[0]}<br>%{y:.3f} [%{customdata[1]:.3f}, %{customdata[2]:.3f}]',
      line: { color, width: 1.8 },
      marker: { color, size: 8 },
      error_y: intervalErrorBars(ps, color),
    };
  });
  const lambdas = distinct(points, (p) => p.lambda).sort((a, b) => a - b);
  const yTitle = opts.yTitle ?? 'Pearson r';
  const note = opts.intervalNote ? ` (${opts.intervalNote})` : '';
  const title = `${methodPrefix(opts.method)}score-loss weight λ${note}`;
  const layout = baseLayout(title, 'λ (score-loss weight, log scale)', yTitle, {
    width: opts.width,
    height: opts.height,
  });
  layout.xaxis = axis('λ (score-loss weight, log scale)', {
    type: 'log',
    tickvals: lambdas,
    ticktext: lambdas.map(String),
    showgrid: false,
  });
  layout.yaxis = axis(yTitle, { zeroline: true, zerolinecolor: '#999999' });
  return { data, layout: titled(layout, opts) };
}

/** A point of {@link intervalScatter}: a measured x and a metric with its interval, in a named series. */
export interface XIntervalPoint extends Interval {
  x: number;
  series: string;
  /** Hover text (e.g. the run it comes from). */
  text?: string;
}

/**
 * A metric with interval error bars against a measured quantity (numeric x), one marker series per
 * `series`, with a zero line: e.g. the gain of one method over another against the quality of the
 * CoTs it trains on.
 */
export function intervalScatter(
  points: XIntervalPoint[],
  opts: FigureOptions & { title: string; xTitle: string; yTitle: string },
): Figure {
  const series = distinct(points, (p) => p.series);
  const data: PlotlyTrace[] = series.map((name, i) => {
    const ps = points.filter((p) => p.series === name && Number.isFinite(p.x)).sort((a, b) => a.x - b.x);
    const color = splitColor(name, i);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x: ps.map((p) => p.x),
      y: ps.map((p) => finiteOrNull(p.value)),
      text: ps.map((p) => p.text ?? ''),
      line: { color, width: 1.2, dash: 'dot' },
      marker: { color, size: 8 },
      error_y: intervalErrorBars(ps, color),
      hovertemplate: '%{text}<br>x %{x:.3f}: %{y:.3f}',
    };
  });
  const layout = baseLayout(opts.title, opts.xTitle, opts.yTitle, { width: opts.width, height: opts.height });
  layout.yaxis = axis(opts.yTitle, { zeroline: true, zerolinecolor: '#999999' });
  return { data, layout: titled(layout, opts) };
}
