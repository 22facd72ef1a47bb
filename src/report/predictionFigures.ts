/**
 * Figures of one method's predictions: predicted against gold label per split, and the RAIL
 * distribution over the scores (with the mean score probabilities and the gold score shares it
 * sets side by side).
 *
 * @module report/predictionFigures
 */
import { dropInvalid, pearson } from '../metrics/correlation';
import type { Prediction } from '../results/formats';
import {
  axis,
  baseLayout,
  diagonal,
  distinct,
  finiteOrNull,
  formatSigned,
  methodPrefix,
  seriesColor,
  splitColor,
  splitLabel,
  titled,
} from './figureStyle';
import type { Figure, FigureOptions, PlotlyTrace } from './plotly';

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

/** The prediction's `rail` or `standard` readout (null: invalid). */
export function readoutOf(p: Prediction, readout: 'rail' | 'standard'): number | null {
  return readout === 'rail' ? p.rail : p.standard;
}

/** `splits`, else the splits of `preds` in order of first appearance. */
export function splitsOf(preds: Prediction[], splits?: string[]): string[] {
  return splits ?? distinct(preds, (p) => p.split);
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
    const kept = dropInvalid(
      ps.map((p) => readoutOf(p, opts.readout)),
      ps.map((p) => p.gold),
    );
    const r = kept.x.length >= 2 ? pearson(kept.x, kept.y) : NaN;
    const invalid = kept.dropped ? `, ${kept.dropped} invalid` : '';
    return {
      type: 'scatter',
      mode: 'markers',
      name: `${splitLabel(split)} (r = ${formatSigned(r, 2)}, n = ${kept.x.length}${invalid})`,
      x: kept.y,
      y: kept.x,
      marker: { color: splitColor(split, i), size: 7, opacity: 0.55, line: { width: 0 } },
      text: kept.kept.map((j) => ps[j].id),
      hovertemplate: '%{text}<br>gold %{x:.2f}, predicted %{y:.2f}',
    };
  });
  data.push(diagonal(1, 5));
  const title = `${methodPrefix(opts.method)}${readoutLabel} vs gold`;
  const xTitle = 'gold label (mean of annotators)';
  const yTitle = `predicted score (${readoutLabel})`;
  const layout = baseLayout(title, xTitle, yTitle, { width: opts.width ?? 500, height: opts.height ?? 540 }, 'bottom');
  layout.xaxis = axis(xTitle, { range: [0.8, 5.2], dtick: 1 });
  layout.yaxis = axis(yTitle, { range: [0.8, 5.2], dtick: 1 });
  return { data, layout: titled(layout, opts) };
}

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
      if (r.probs.length !== k) {
        throw new Error(`prediction ${p.id}: ${r.probs.length} score probabilities, expected ${k}`);
      }
      r.probs.forEach((q, j) => {
        sum[j] += q / p.readouts.length;
      });
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
    type: 'bar',
    name: s.name,
    x: scores,
    y: s.probs.map(finiteOrNull),
    marker: { color: s.color ?? seriesColor(i), line: { color: '#333333', width: 0.5 } },
    hovertemplate: 'score %{x}: %{y:.3f}',
  }));
  const title = `${methodPrefix(opts.method)}RAIL distribution over scores`;
  const layout = baseLayout(title, 'score', 'probability', { width: opts.width, height: opts.height ?? 440 }, 'bottom');
  layout.barmode = 'group';
  layout.xaxis = axis('score', { dtick: 1, showgrid: false });
  layout.yaxis = axis('probability', { rangemode: 'tozero' });
  return { data, layout: titled(layout, opts) };
}
