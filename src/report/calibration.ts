/**
 * Calibration of a regression judge: binning (prediction, gold) pairs by the prediction, and the
 * reliability diagram of the bins.
 *
 * @module report/calibration
 */
import { dropInvalid } from '../metrics/correlation';
import type { Prediction } from '../results/formats';
import { axis, baseLayout, diagonal, methodPrefix, seriesColor, splitColor, splitLabel, titled } from './figureStyle';
import type { Figure, FigureOptions, PlotlyTrace } from './plotly';
import { readoutOf, splitsOf } from './predictionFigures';

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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The bin of predictions `x` and labels `y` between the edges `lo` and `hi`. */
function bin(lo: number, hi: number, x: number[], y: number[]): CalibrationBin {
  return { lo, hi, n: x.length, meanPred: mean(x), meanGold: mean(y) };
}

/**
 * Bins (prediction, gold) pairs by the prediction. Pairs with a null or non-finite prediction
 * are dropped; empty bins are left out. `lo`/`hi` are the bin edges (equal-width) or the smallest
 * and largest prediction in the bin (equal-count).
 * @param pred [n] predictions (null = invalid)
 * @param gold [n] labels
 */
export function calibrationBins(
  pred: (number | null)[],
  gold: number[],
  opts: CalibrationOptions = {},
): CalibrationBin[] {
  if (pred.length !== gold.length) {
    throw new RangeError(`calibrationBins: ${pred.length} predictions but ${gold.length} labels`);
  }
  const nBins = opts.bins ?? 10;
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new RangeError(`calibrationBins: bins must be a positive integer, got ${nBins}`);
  }
  const kept = dropInvalid(pred, gold);
  const pairs = kept.x.map((x, i) => ({ x, y: kept.y[i] }));
  const n = pairs.length;
  if (n === 0) return [];
  const out: CalibrationBin[] = [];
  if ((opts.mode ?? 'equal-count') === 'equal-count') {
    pairs.sort((a, b) => a.x - b.x);
    for (let i = 0; i < nBins; i++) {
      const run = pairs.slice(Math.floor((i * n) / nBins), Math.floor(((i + 1) * n) / nBins));
      if (!run.length) continue;
      const xs = run.map((p) => p.x);
      out.push(
        bin(
          xs[0],
          xs[xs.length - 1],
          xs,
          run.map((p) => p.y),
        ),
      );
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
    if (b.x.length) out.push(bin(lo + i * width, lo + (i + 1) * width, b.x, b.y));
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
export function calibrationPlot(
  series: CalibrationSeries[],
  opts: FigureOptions & CalibrationOptions & { method?: string; readoutLabel?: string } = {},
): Figure {
  const mode = opts.mode ?? 'equal-count';
  const nBins = opts.bins ?? 10;
  const data: PlotlyTrace[] = series.map((s, i) => {
    const bins = calibrationBins(s.pred, s.gold, opts);
    const color = s.color ?? seriesColor(i);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: s.name,
      x: bins.map((b) => b.meanPred),
      y: bins.map((b) => b.meanGold),
      line: { color, width: 1.6 },
      marker: { color, size: 8 },
      customdata: bins.map((b) => b.n),
      hovertemplate: 'mean prediction %{x:.2f}<br>mean gold %{y:.2f}<br>n = %{customdata}',
    };
  });
  data.push(diagonal(1, 5, 'perfect calibration'));
  const title = `${methodPrefix(opts.method)}calibration (${nBins} ${mode} bins)`;
  const xTitle = `mean ${opts.readoutLabel ?? 'prediction'} in bin`;
  const yTitle = 'mean gold label in bin';
  const layout = baseLayout(title, xTitle, yTitle, { width: opts.width ?? 500, height: opts.height ?? 540 }, 'bottom');
  layout.xaxis = axis(xTitle, { range: [0.8, 5.2], dtick: 1 });
  layout.yaxis = axis(yTitle, { range: [0.8, 5.2], dtick: 1 });
  return { data, layout: titled(layout, opts) };
}

/** Calibration series of predictions, one per split, reading `readout`. */
export function calibrationSeriesBySplit(
  preds: Prediction[],
  readout: 'rail' | 'standard',
  splits?: string[],
): CalibrationSeries[] {
  return splitsOf(preds, splits).map((split, i) => {
    const ps = preds.filter((p) => p.split === split);
    return {
      name: splitLabel(split),
      pred: ps.map((p) => readoutOf(p, readout)),
      gold: ps.map((p) => p.gold),
      color: splitColor(split, i),
    };
  });
}
