/**
 * Figures for papers as plotly.js figure specs: plain JSON `{data, layout}` objects that a
 * notebook displays as `application/vnd.plotly.v1+json` and `report/exportFigures.ts` writes to
 * SVG, PNG and PDF. Every function here is pure (no I/O, no browser); reading run folders is
 * `report/runData.ts`.
 *
 * Conventions: titles and axis titles are objects (`{text}`, as plotly.js ≥ 3 requires); colours
 * come from the Okabe–Ito palette (colour-blind safe), with one fixed colour per split and per
 * training stage so that figures of one paper agree; methods are named `id (paperId)` from
 * `tract/methods.ts`; splits are named as in the results table (in-domain, out-of-domain).
 *
 * @module report/figures
 */
import { dropInvalid, pearson } from '../metrics/correlation';
import type { Prediction } from '../tract/evaluate';
import { METHODS } from '../tract/methods';

/** One plotly.js trace (only what these figures use is typed; any other attribute is allowed). */
export interface PlotlyTrace {
  type: 'bar' | 'scatter';
  name?: string;
  x: (number | string)[];
  y: (number | null)[];
  [attribute: string]: unknown;
}

/** A plotly.js layout (title and size typed; any other attribute is allowed). */
export interface PlotlyLayout {
  title?: { text: string; [attribute: string]: unknown };
  /** Size in CSS pixels; the exporter renders at this size (PNG: times its scale). */
  width?: number;
  height?: number;
  [attribute: string]: unknown;
}

/** A plotly.js figure: `Plotly.newPlot(div, fig.data, fig.layout)`. Plain JSON. */
export interface Figure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** A figure with a file-name-safe name (`[A-Za-z0-9._-]+`, no extension). */
export interface NamedFigure {
  name: string;
  figure: Figure;
}

/**
 * Okabe & Ito (2008) colour-blind-safe palette, in the order series take it (yellow last: it is
 * faint on white).
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'] as const;

/** Fixed colours of the evaluation splits, so that every figure agrees. */
export const SPLIT_COLORS: Record<string, string> = { test: PALETTE[0], 'test-ood': PALETTE[1] };
/** Fixed colours of the training stages. */
export const STAGE_COLORS: Record<string, string> = { stage1: PALETTE[0], stage2: PALETTE[3] };
/** Reference lines and gold-label series. */
const REFERENCE_GREY = '#7f7f7f';

/** Names of the splits as in the results table. */
export const SPLIT_LABELS: Record<string, string> = { test: 'in-domain', 'test-ood': 'out-of-domain' };

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

/** The readable name of a method's primary readout (`RunMetrics.decoding`). */
export function decodingLabel(decoding: string): string {
  const names: Record<string, string> = { 'cot-rail': 'CoT-RAIL', rail: 'RAIL', standard: 'standard decoding', 'standard-score-only': 'standard decoding' };
  return names[decoding] ?? decoding;
}

/** The colour of series number `i` (cycles through {@link PALETTE}). */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function splitColor(split: string, i: number): string {
  return SPLIT_COLORS[split] ?? seriesColor(i + 2);
}

function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, standoff: 10 },
    showline: true, linecolor: '#333333', linewidth: 1, mirror: true,
    ticks: 'outside', tickcolor: '#333333', ticklen: 5,
    showgrid: true, gridcolor: '#e5e5e5', zeroline: false, automargin: true,
    ...extra,
  };
}

/** Legend above the plot (one row when it fits) or below the x-axis title. */
type LegendPlace = 'top' | 'bottom';

const LEGENDS: Record<LegendPlace, Record<string, unknown>> = {
  top: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.0, yanchor: 'bottom', font: { size: 13 }, bgcolor: 'rgba(255,255,255,0)' },
  // y is set per figure: 75 px below the plot area, under the x-axis title
  bottom: { orientation: 'h', x: 0.5, xanchor: 'center', yanchor: 'top', font: { size: 13 }, bgcolor: 'rgba(255,255,255,0)' },
};

/** The shared look: white background, framed axes, readable fonts, a legend. */
function baseLayout(title: string, xTitle: string, yTitle: string, size: { width?: number; height?: number } = {}, legend: LegendPlace = 'top'): PlotlyLayout {
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

/** Size and title overrides every figure function accepts. */
export interface FigureOptions {
  /** Replaces the default title ('' for none: the caption says it in a paper). */
  title?: string;
  width?: number;
  height?: number;
}

function titled(layout: PlotlyLayout, opts: FigureOptions): PlotlyLayout {
  if (opts.title === '') {
    delete layout.title;
    layout.margin = { ...(layout.margin as object), t: 50 };
  } else if (opts.title !== undefined) layout.title = { ...layout.title!, text: opts.title };
  return layout;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** `x.toFixed(digits)` with a typographic minus (as plotly's tick labels), 'n/a' for NaN. */
export function formatSigned(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits).replace('-', '\u2212') : 'n/a';
}

// ---------------------------------------------------------------------------------------------
// Ablation bars

/** One bar with its interval: a value of `label` (x) in `group` (one trace per group). */
export interface IntervalPoint {
  /** The x category, e.g. `tract (T)`. */
  label: string;
  /** The series, e.g. a split id (`test`, `test-ood`); named with {@link splitLabel}. */
  group: string;
  value: number;
  /** Interval bounds (NaN: no error bar). */
  lo: number;
  hi: number;
}

/**
 * Grouped bars with asymmetric error bars: x = labels in order of first appearance, one trace per
 * group. Error bar i spans [lo, hi] (plotly's `array` = hi − value, `arrayminus` = value − lo).
 * Non-finite values are gaps.
 * @example ablationBars([{ label: 'tract (T)', group: 'test', value: 0.6, lo: 0.5, hi: 0.7 }])
 */
export function ablationBars(points: IntervalPoint[], opts: FigureOptions & { yTitle?: string; intervalNote?: string } = {}): Figure {
  const labels = [...new Set(points.map((p) => p.label))];
  const groups = [...new Set(points.map((p) => p.group))];
  const data: PlotlyTrace[] = groups.map((g, gi) => {
    const byLabel = new Map(points.filter((p) => p.group === g).map((p) => [p.label, p]));
    const ps = labels.map((l) => byLabel.get(l));
    const val = ps.map((p) => (p ? p.value : NaN));
    return {
      type: 'bar',
      name: splitLabel(g),
      x: labels,
      y: val.map(finiteOrNull),
      marker: { color: splitColor(g, gi), line: { color: '#333333', width: 0.5 } },
      error_y: {
        type: 'data', symmetric: false, visible: true, color: '#222222', thickness: 1.2, width: 4,
        array: ps.map((p) => (p && Number.isFinite(p.hi) && Number.isFinite(p.value) ? p.hi - p.value : 0)),
        arrayminus: ps.map((p) => (p && Number.isFinite(p.lo) && Number.isFinite(p.value) ? p.value - p.lo : 0)),
      },
      customdata: ps.map((p) => [p?.lo ?? NaN, p?.hi ?? NaN].map(finiteOrNull)),
      hovertemplate: '%{x}<br>%{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]',
    };
  });
  const yTitle = opts.yTitle ?? 'Pearson r';
  const layout = baseLayout(`Agreement with gold labels${opts.intervalNote ? ` (${opts.intervalNote})` : ''}`, 'method', yTitle, { width: opts.width ?? Math.max(DEFAULT_SIZE.width, 90 * labels.length + 120), height: opts.height ?? 440 });
  layout.barmode = 'group';
  layout.bargap = 0.25;
  layout.bargroupgap = 0.08;
  layout.xaxis = axis('method', { showgrid: false, tickangle: labels.some((l) => l.length > 10) ? -30 : 0 });
  layout.yaxis = axis(yTitle, { zeroline: true, zerolinecolor: '#333333', zerolinewidth: 1 });
  return { data, layout: titled(layout, opts) };
}

// ---------------------------------------------------------------------------------------------
// Predicted vs gold

/** Which prediction a figure reads, and how to name it. */
export interface ReadoutOptions {
  /** The prediction field: `rail` (mean RAIL over CoTs) or `standard` (null when invalid). */
  readout: 'rail' | 'standard';
  /** Axis name of the readout (default 'RAIL' or 'standard decoding'). */
  readoutLabel?: string;
  /** Method id, for the title. */
  method?: string;
  /** Splits to show, in this order (default: those present, in order of appearance). */
  splits?: string[];
}

function readoutOf(p: Prediction, readout: 'rail' | 'standard'): number | null {
  return readout === 'rail' ? p.rail : p.standard;
}

function splitsOf(preds: Prediction[], splits?: string[]): string[] {
  return splits ?? [...new Set(preds.map((p) => p.split))];
}

function diagonal(lo: number, hi: number, name = 'y = x'): PlotlyTrace {
  return { type: 'scatter', mode: 'lines', name, x: [lo, hi], y: [lo, hi], line: { color: REFERENCE_GREY, width: 1.2, dash: 'dash' }, hoverinfo: 'skip' };
}

/**
 * Scatter of the prediction (y) against the gold label (x), one trace per split, with the
 * diagonal. Invalid predictions (null) are left out and counted in the legend, next to r and n.
 * Points are the inputs exactly (no jitter; overlapping points show as darker).
 */
export function predictedVsGold(preds: Prediction[], opts: ReadoutOptions & FigureOptions): Figure {
  const readoutLabel = opts.readoutLabel ?? (opts.readout === 'rail' ? 'RAIL' : 'standard decoding');
  const data: PlotlyTrace[] = splitsOf(preds, opts.splits).map((split, i) => {
    const ps = preds.filter((p) => p.split === split);
    const kept = dropInvalid(ps.map((p) => readoutOf(p, opts.readout)), ps.map((p) => p.gold));
    const r = kept.x.length >= 2 ? pearson(kept.x, kept.y) : NaN;
    const name = `${splitLabel(split)} (r = ${formatSigned(r, 2)}, n = ${kept.x.length}${kept.dropped ? `, ${kept.dropped} invalid` : ''})`;
    return {
      type: 'scatter', mode: 'markers', name,
      x: kept.y, y: kept.x,
      marker: { color: splitColor(split, i), size: 7, opacity: 0.55, line: { width: 0 } },
      text: kept.kept.map((j) => ps[j].id),
      hovertemplate: '%{text}<br>gold %{x:.2f}, predicted %{y:.2f}',
    };
  });
  data.push(diagonal(1, 5));
  const title = `${opts.method ? `${methodLabel(opts.method)}: ` : ''}${readoutLabel} vs gold`;
  const layout = baseLayout(title, 'gold label (mean of annotators)', `predicted score (${readoutLabel})`, { width: opts.width ?? 500, height: opts.height ?? 540 }, 'bottom');
  layout.xaxis = axis('gold label (mean of annotators)', { range: [0.8, 5.2], dtick: 1 });
  layout.yaxis = axis(`predicted score (${readoutLabel})`, { range: [0.8, 5.2], dtick: 1 });
  return { data, layout: titled(layout, opts) };
}

// ---------------------------------------------------------------------------------------------
// Training curves

/** What a training-curve point needs (a row of `train-log.csv`; `runData.TrainLogRecord` fits). */
export interface TrainCurvePoint {
  stage: string;
  step: number;
  ce: number;
  score: number;
}

/**
 * Token cross-entropy (top panel) and score loss (bottom panel) against the step, one line per
 * stage (each stage counts its steps from 1). Stages take {@link STAGE_COLORS}.
 */
export function trainingCurves(rows: TrainCurvePoint[], opts: FigureOptions & { method?: string; logY?: boolean } = {}): Figure {
  const stages = [...new Set(rows.map((r) => r.stage))];
  const data: PlotlyTrace[] = [];
  stages.forEach((stage, i) => {
    const rs = rows.filter((r) => r.stage === stage);
    const color = STAGE_COLORS[stage] ?? seriesColor(i);
    const common = { type: 'scatter' as const, mode: 'lines', name: stage, legendgroup: stage, line: { color, width: 1.6 }, x: rs.map((r) => r.step) };
    data.push({ ...common, y: rs.map((r) => finiteOrNull(r.ce)), xaxis: 'x', yaxis: 'y', hovertemplate: 'step %{x}: CE %{y:.4f}' });
    data.push({ ...common, y: rs.map((r) => finiteOrNull(r.score)), xaxis: 'x2', yaxis: 'y2', showlegend: false, hovertemplate: 'step %{x}: score loss %{y:.4f}' });
  });
  const title = `${opts.method ? `${methodLabel(opts.method)}: ` : ''}training losses`;
  const layout = baseLayout(title, 'step', 'token CE', { width: opts.width, height: opts.height ?? 520 });
  const type = opts.logY ? 'log' : 'linear';
  layout.xaxis = axis('', { anchor: 'y', matches: 'x2', showticklabels: false });
  layout.yaxis = axis('token CE (nats)', { domain: [0.55, 1], anchor: 'x', type });
  layout.xaxis2 = axis('step', { anchor: 'y2' });
  layout.yaxis2 = axis('score loss (squared error)', { domain: [0, 0.45], anchor: 'x2', type });
  return { data, layout: titled(layout, opts) };
}

// ---------------------------------------------------------------------------------------------
// RAIL score distribution

/** A distribution over the scores 1..K (probabilities under the full softmax: may sum to < 1). */
export interface ScoreDistribution {
  name: string;
  probs: number[];
  color?: string;
}

/**
 * The mean over predictions of the score probabilities p(1..K) (each prediction: the mean over
 * its CoTs' readouts).
 * @param preds predictions; all readouts must have the same number K of probabilities
 * @returns [K] mean probabilities (NaN when `preds` is empty)
 */
export function meanScoreProbs(preds: Prediction[]): number[] {
  const k = preds[0]?.readouts[0]?.probs.length ?? 5;
  const sum = new Array<number>(k).fill(0);
  for (const p of preds) {
    for (const r of p.readouts) {
      if (r.probs.length !== k) throw new Error(`prediction ${p.id}: ${r.probs.length} score probabilities, expected ${k}`);
      r.probs.forEach((q, j) => (sum[j] += q / p.readouts.length));
    }
  }
  return sum.map((s) => s / preds.length);
}

/**
 * Share of each exact gold score 1..K (`goldExact`), to set beside a predicted distribution.
 * @returns [K] frequencies summing to 1
 */
export function goldScoreShares(preds: Prediction[], k = 5): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const p of preds) {
    const s = Math.round(p.goldExact);
    if (s < 1 || s > k) throw new Error(`prediction ${p.id}: goldExact ${p.goldExact} outside 1..${k}`);
    counts[s - 1]++;
  }
  return counts.map((c) => c / preds.length);
}

/**
 * Grouped bars of score distributions over the scores 1..K: one trace per series (one
 * prediction's `readouts[0].probs`, or {@link meanScoreProbs}, or {@link goldScoreShares}).
 */
export function railDistribution(series: ScoreDistribution[], opts: FigureOptions & { method?: string } = {}): Figure {
  const k = Math.max(...series.map((s) => s.probs.length));
  const scores = Array.from({ length: k }, (_, i) => i + 1);
  const data: PlotlyTrace[] = series.map((s, i) => ({
    type: 'bar', name: s.name, x: scores, y: s.probs.map(finiteOrNull),
    marker: { color: s.color ?? seriesColor(i), line: { color: '#333333', width: 0.5 } },
    hovertemplate: 'score %{x}: %{y:.3f}',
  }));
  const title = `${opts.method ? `${methodLabel(opts.method)}: ` : ''}RAIL distribution over scores`;
  const layout = baseLayout(title, 'score', 'probability', { width: opts.width, height: opts.height ?? 440 }, 'bottom');
  layout.barmode = 'group';
  layout.xaxis = axis('score', { dtick: 1, showgrid: false });
  layout.yaxis = axis('probability', { rangemode: 'tozero' });
  return { data, layout: titled(layout, opts) };
}

// ---------------------------------------------------------------------------------------------
// λ sweep

/** A point of a λ sweep: the metric at one λ for one split, with its interval. */
export interface SweepPoint {
  lambda: number;
  split: string;
  value: number;
  lo: number;
  hi: number;
}

/**
 * The metric (Pearson r by default) against λ, one line per split, with interval error bars.
 * The λ axis is categorical (the swept values, evenly spaced and sorted: a sweep such as
 * 0.1, 0.5, 1, 2, 5 reads like a log axis), and the splits sit side by side at each λ
 * (`scattermode: 'group'`) so their error bars do not overlap.
 */
export function lambdaSweep(points: SweepPoint[], opts: FigureOptions & { yTitle?: string; method?: string; intervalNote?: string } = {}): Figure {
  const splits = [...new Set(points.map((p) => p.split))];
  const data: PlotlyTrace[] = splits.map((split, i) => {
    const ps = points.filter((p) => p.split === split).sort((a, b) => a.lambda - b.lambda);
    return {
      type: 'scatter', mode: 'lines+markers', name: splitLabel(split),
      x: ps.map((p) => p.lambda), y: ps.map((p) => finiteOrNull(p.value)),
      line: { color: splitColor(split, i), width: 1.8 },
      marker: { color: splitColor(split, i), size: 8 },
      error_y: {
        type: 'data', symmetric: false, visible: true, color: splitColor(split, i), thickness: 1.2, width: 4,
        array: ps.map((p) => (Number.isFinite(p.hi) && Number.isFinite(p.value) ? p.hi - p.value : 0)),
        arrayminus: ps.map((p) => (Number.isFinite(p.lo) && Number.isFinite(p.value) ? p.value - p.lo : 0)),
      },
    };
  });
  const lambdas = [...new Set(points.map((p) => p.lambda))].sort((a, b) => a - b);
  const yTitle = opts.yTitle ?? 'Pearson r';
  const title = `${opts.method ? `${methodLabel(opts.method)}: ` : ''}score-loss weight λ${opts.intervalNote ? ` (${opts.intervalNote})` : ''}`;
  const layout = baseLayout(title, 'λ (score-loss weight)', yTitle, { width: opts.width, height: opts.height });
  layout.xaxis = axis('λ (score-loss weight)', { type: 'category', categoryorder: 'array', categoryarray: lambdas, showgrid: false });
  layout.scattermode = 'group';
  layout.scattergap = 0.75;
  layout.yaxis = axis(yTitle, { zeroline: true, zerolinecolor: '#999999' });
  return { data, layout: titled(layout, opts) };
}

// ---------------------------------------------------------------------------------------------
// Calibration

/** One calibration bin: predictions in [lo, hi] and the means of predictions and labels. */
export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  meanPred: number;
  meanGold: number;
}

/** How {@link calibrationBins} bins. */
export interface CalibrationOptions {
  /** Number of bins (default 10). */
  bins?: number;
  /**
   * `equal-count` (default): sort by prediction and cut into `bins` runs of ⌊n/bins⌋ or ⌈n/bins⌉
   * pairs (bin i holds sorted pairs ⌊i·n/bins⌋ … ⌊(i+1)·n/bins⌋ − 1; tied predictions may
   * straddle a cut). `equal-width`: cut `range` into equal intervals [lo, hi), the last one closed.
   */
  mode?: 'equal-count' | 'equal-width';
  /** Range of the equal-width bins (default: the predictions' min and max). */
  range?: [number, number];
}

/**
 * Bins (prediction, gold) pairs by the prediction. Pairs with a null or non-finite prediction
 * are dropped; empty bins are left out. `lo`/`hi` are the bin edges (equal-width) or the smallest
 * and largest prediction in the bin (equal-count).
 * @param pred [n] predictions (null = invalid)
 * @param gold [n] labels
 */
export function calibrationBins(pred: (number | null)[], gold: number[], opts: CalibrationOptions = {}): CalibrationBin[] {
  if (pred.length !== gold.length) throw new RangeError(`calibrationBins: ${pred.length} predictions but ${gold.length} labels`);
  const nBins = opts.bins ?? 10;
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`calibrationBins: bins must be a positive integer, got ${nBins}`);
  const kept = dropInvalid(pred, gold);
  const pairs = kept.x.map((x, i) => ({ x, y: kept.y[i] }));
  const n = pairs.length;
  if (n === 0) return [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: CalibrationBin[] = [];
  if ((opts.mode ?? 'equal-count') === 'equal-count') {
    pairs.sort((a, b) => a.x - b.x);
    for (let i = 0; i < nBins; i++) {
      const bin = pairs.slice(Math.floor((i * n) / nBins), Math.floor(((i + 1) * n) / nBins));
      if (!bin.length) continue;
      out.push({ lo: bin[0].x, hi: bin[bin.length - 1].x, n: bin.length, meanPred: mean(bin.map((p) => p.x)), meanGold: mean(bin.map((p) => p.y)) });
    }
    return out;
  }
  const [lo, hi] = opts.range ?? [Math.min(...kept.x), Math.max(...kept.x)];
  if (!(hi >= lo)) throw new RangeError(`calibrationBins: bad range [${lo}, ${hi}]`);
  const width = (hi - lo) / nBins;
  const bins: { x: number[]; y: number[] }[] = Array.from({ length: nBins }, () => ({ x: [], y: [] }));
  for (const p of pairs) {
    if (p.x < lo || p.x > hi) continue;
    const b = width > 0 ? Math.min(nBins - 1, Math.floor((p.x - lo) / width)) : 0;
    bins[b].x.push(p.x);
    bins[b].y.push(p.y);
  }
  bins.forEach((b, i) => {
    if (b.x.length) out.push({ lo: lo + i * width, hi: lo + (i + 1) * width, n: b.x.length, meanPred: mean(b.x), meanGold: mean(b.y) });
  });
  return out;
}

/** A named set of predictions and labels for {@link calibrationPlot}. */
export interface CalibrationSeries {
  name: string;
  pred: (number | null)[];
  gold: number[];
  color?: string;
}

/**
 * Reliability diagram for regression: mean prediction (x) against mean gold label (y) per bin,
 * one line per series, with the diagonal (a calibrated judge lies on it). Hover shows n per bin.
 */
export function calibrationPlot(series: CalibrationSeries[], opts: FigureOptions & CalibrationOptions & { method?: string; readoutLabel?: string } = {}): Figure {
  const mode = opts.mode ?? 'equal-count';
  const nBins = opts.bins ?? 10;
  const data: PlotlyTrace[] = series.map((s, i) => {
    const bins = calibrationBins(s.pred, s.gold, opts);
    return {
      type: 'scatter', mode: 'lines+markers', name: s.name,
      x: bins.map((b) => b.meanPred), y: bins.map((b) => b.meanGold),
      line: { color: s.color ?? seriesColor(i), width: 1.6 },
      marker: { color: s.color ?? seriesColor(i), size: 8 },
      customdata: bins.map((b) => b.n),
      hovertemplate: 'mean prediction %{x:.2f}<br>mean gold %{y:.2f}<br>n = %{customdata}',
    };
  });
  data.push(diagonal(1, 5, 'perfect calibration'));
  const readout = opts.readoutLabel ?? 'prediction';
  const title = `${opts.method ? `${methodLabel(opts.method)}: ` : ''}calibration (${nBins} ${mode} bins)`;
  const layout = baseLayout(title, `mean ${readout} in bin`, 'mean gold label in bin', { width: opts.width ?? 500, height: opts.height ?? 540 }, 'bottom');
  layout.xaxis = axis(`mean ${readout} in bin`, { range: [0.8, 5.2], dtick: 1 });
  layout.yaxis = axis('mean gold label in bin', { range: [0.8, 5.2], dtick: 1 });
  return { data, layout: titled(layout, opts) };
}

/** Calibration series of predictions, one per split, reading `readout`. */
export function calibrationSeriesBySplit(preds: Prediction[], readout: 'rail' | 'standard', splits?: string[]): CalibrationSeries[] {
  return splitsOf(preds, splits).map((split, i) => {
    const ps = preds.filter((p) => p.split === split);
    return { name: splitLabel(split), pred: ps.map((p) => readoutOf(p, readout)), gold: ps.map((p) => p.gold), color: splitColor(split, i) };
  });
}
