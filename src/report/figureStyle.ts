/**
 * The shared look of the paper figures: the Okabe–Ito palette with one fixed colour per split and
 * per training stage (so that figures of one paper agree), readable names of methods, splits and
 * readouts, framed axes, the base layout with its legend, and the pieces several figures draw
 * (the diagonal, interval error bars). Pure: no I/O.
 *
 * @module report/figureStyle
 */
import { IN_DOMAIN, OUT_OF_DOMAIN, SPLIT_NAMES } from '../results/formats';
import { METHODS } from '../tract/methods';
import type { FigureOptions, PlotlyLayout, PlotlyTrace } from './plotly';

/**
 * Okabe & Ito (2008) colour-blind-safe palette, in the order series take it (yellow last: it is
 * faint on white).
 */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#000000',
  '#F0E442',
] as const;

/** Fixed colours of the evaluation splits, so that every figure agrees. */
export const SPLIT_COLORS: Record<string, string> = { [IN_DOMAIN]: PALETTE[0], [OUT_OF_DOMAIN]: PALETTE[1] };
/** Fixed colours of the training stages. */
export const STAGE_COLORS: Record<string, string> = { stage1: PALETTE[0], stage2: PALETTE[3] };
/** Reference lines and gold-label series. */
const REFERENCE_GREY = '#7f7f7f';

/** Names of the splits as in the results table (`results/formats.ts` SPLIT_NAMES). */
export const SPLIT_LABELS: Readonly<Record<string, string>> = SPLIT_NAMES;

/** Default figure size in CSS pixels (about one column of a two-column paper at 0.55×). */
export const DEFAULT_SIZE = { width: 600, height: 400 } as const;

const FONT = 'Arial, "Liberation Sans", Helvetica, sans-serif';

/** The readable name of a split (`test` → `in-domain`); unknown splits keep their id. */
export function splitLabel(split: string): string {
  return SPLIT_LABELS[split] ?? split;
}

/** The readable name of a method: `tract (T)`, `ce-no-cot (B1)`, `seed`; unknown ids as they are. */
export function methodLabel(method: string): string {
  const spec = METHODS[method];
  return spec && spec.paperId !== '-' ? `${method} (${spec.paperId})` : method;
}

/** `tract (T): ` before a title when the figure is of one method, else nothing. */
export function methodPrefix(method: string | undefined): string {
  return method ? `${methodLabel(method)}: ` : '';
}

/** The readable name of a method's primary readout (`RunMetrics.decoding`). */
export function decodingLabel(decoding: string): string {
  const names: Record<string, string> = {
    'cot-rail': 'CoT-RAIL',
    rail: 'RAIL',
    standard: 'standard decoding',
    'standard-score-only': 'standard decoding',
  };
  return names[decoding] ?? decoding;
}

/** The colour of series number `i` (cycles through {@link PALETTE}). */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** The colour of a split: its fixed {@link SPLIT_COLORS} entry, else series colour `i + 2`. */
export function splitColor(split: string, i: number): string {
  return SPLIT_COLORS[split] ?? seriesColor(i + 2);
}

/** A framed axis titled `title`, with `extra` attributes on top. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, standoff: 10 },
    showline: true,
    linecolor: '#333333',
    linewidth: 1,
    mirror: true,
    ticks: 'outside',
    tickcolor: '#333333',
    ticklen: 5,
    showgrid: true,
    gridcolor: '#e5e5e5',
    zeroline: false,
    automargin: true,
    ...extra,
  };
}

/** Legend above the plot (one row when it fits) or below the x-axis title. */
export type LegendPlace = 'top' | 'bottom';

const LEGENDS: Record<LegendPlace, Record<string, unknown>> = {
  top: {
    orientation: 'h',
    x: 0.5,
    xanchor: 'center',
    y: 1.0,
    yanchor: 'bottom',
    font: { size: 13 },
    bgcolor: 'rgba(255,255,255,0)',
  },
  // y is set per figure: 75 px below the plot area, under the x-axis title
  bottom: {
    orientation: 'h',
    x: 0.5,
    xanchor: 'center',
    yanchor: 'top',
    font: { size: 13 },
    bgcolor: 'rgba(255,255,255,0)',
  },
};

/** The shared look: white background, framed axes, readable fonts, a legend. */
export function baseLayout(
  title: string,
  xTitle: string,
  yTitle: string,
  size: { width?: number; height?: number } = {},
  legend: LegendPlace = 'top',
): PlotlyLayout {
  const height = size.height ?? DEFAULT_SIZE.height;
  const margin = { l: 70, r: 20, t: legend === 'top' ? 80 : 50, b: 60, pad: 0 };
  const plotHeight = Math.max(100, height - margin.t - margin.b);
  return {
    title: { text: title, x: 0.5, xanchor: 'center', y: 0.98, yanchor: 'top', font: { size: 17 } },
    font: { family: FONT, size: 14, color: '#222222' },
    width: size.width ?? DEFAULT_SIZE.width,
    height,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin,
    xaxis: axis(xTitle),
    yaxis: axis(yTitle),
    legend: legend === 'bottom' ? { ...LEGENDS.bottom, y: -75 / plotHeight } : LEGENDS.top,
    showlegend: true,
  };
}

/** Applies the title override of `opts` to `layout` (in place: '' removes the title and its margin). */
export function titled(layout: PlotlyLayout, opts: FigureOptions): PlotlyLayout {
  if (opts.title === '') {
    delete layout.title;
    layout.margin = { ...(layout.margin as object), t: 50 };
  } else if (opts.title !== undefined) layout.title = { ...layout.title!, text: opts.title };
  return layout;
}

/** The value, or null (a gap in plotly) when it is not finite. */
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** `x.toFixed(digits)` with a typographic minus (as plotly's tick labels), 'n/a' for NaN. */
export function formatSigned(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits).replace('-', '\u2212') : 'n/a';
}

/** The dashed grey line y = x from (lo, lo) to (hi, hi). */
export function diagonal(lo: number, hi: number, name = 'y = x'): PlotlyTrace {
  return {
    type: 'scatter',
    mode: 'lines',
    name,
    x: [lo, hi],
    y: [lo, hi],
    line: { color: REFERENCE_GREY, width: 1.2, dash: 'dash' },
    hoverinfo: 'skip',
  };
}

/** A value with its interval [lo, hi] (NaN bounds: no error bar). */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * Asymmetric plotly error bars spanning [lo, hi] of each point: `array` = hi − value,
 * `arrayminus` = value − lo; 0 (no bar) where a point is missing or a bound or the value is not
 * finite.
 */
export function intervalErrorBars(points: (Interval | undefined)[], color: string): Record<string, unknown> {
  const ok = (p: Interval | undefined, bound: 'lo' | 'hi'): p is Interval =>
    p !== undefined && Number.isFinite(p[bound]) && Number.isFinite(p.value);
  return {
    type: 'data',
    symmetric: false,
    visible: true,
    color,
    thickness: 1.2,
    width: 4,
    array: points.map((p) => (ok(p, 'hi') ? p.hi - p.value : 0)),
    arrayminus: points.map((p) => (ok(p, 'lo') ? p.value - p.lo : 0)),
  };
}

/** The distinct `key`s of `items`, in order of first appearance (the series or categories of a figure). */
export function distinct<T, K>(items: readonly T[], key: (item: T) => K): K[] {
  return [...new Set(items.map(key))];
}
