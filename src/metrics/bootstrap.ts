/**
 * Uncertainty on every number: percentile bootstrap intervals for a metric, and a paired bootstrap
 * test of whether judge A agrees with the gold scores better than judge B on the same items.
 *
 * Neither the official TRACT code nor prometheus-eval reports uncertainty; on benchmarks of 320
 * items (Vicuna Bench, MT Bench) a difference of 0.02 in Pearson r is often inside the noise, and
 * these functions say so.
 *
 * Resampling draws item indices with replacement from a seeded {@link Rng}, so a result is
 * reproducible from its seed. A resample on which the metric is undefined (NaN, e.g. a constant
 * resample for a correlation) is skipped and counted in `nUndefined`, never hidden.
 *
 * @module metrics/bootstrap
 */
import { Rng } from '../engine/rng';
import { checkPairs } from './correlation';

/** A metric of predictions against gold scores, e.g. {@link pearson} or {@link rmse}. */
export type PairMetric = (pred: ArrayLike<number>, gold: ArrayLike<number>) => number;

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 1000). */
  samples?: number;
  /** Confidence level of the interval (default 0.95). */
  level?: number;
  /** Seed of the resampling stream (default 0). */
  seed?: number | string;
}

/** A point estimate with its percentile bootstrap interval. */
export interface BootstrapCI {
  /** The metric on the full data. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  /** Resamples drawn. */
  samples: number;
  /** Resamples on which the metric was undefined (skipped). */
  nUndefined: number;
}

/** Verdict of {@link pairedBootstrapDiff} at its confidence level. */
export type PairedVerdict = 'A better' | 'B better' | 'no significant difference';

/** Result of a paired bootstrap comparison of two judges on the same items. */
export interface PairedBootstrapResult {
  /** metric(predA, gold) on the full data. */
  a: number;
  /** metric(predB, gold) on the full data. */
  b: number;
  /** a − b. */
  diff: number;
  /** Percentile interval of a − b. */
  lower: number;
  upper: number;
  level: number;
  /** Two-sided bootstrap p-value for a − b = 0 (see {@link pairedBootstrapDiff}). */
  pValue: number;
  /** Which judge is better, taking the metric's direction into account. */
  verdict: PairedVerdict;
  samples: number;
  nUndefined: number;
}

/** Linear-interpolation quantile of sorted data (numpy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function resolve(options: BootstrapOptions, fn: string): Required<BootstrapOptions> {
  const { samples = 1000, level = 0.95, seed = 0 } = options;
  if (!Number.isInteger(samples) || samples < 1)
    throw new RangeError(`${fn}: samples must be a positive integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${fn}: level must be in (0, 1), got ${level}`);
  return { samples, level, seed };
}

/** Draws `samples` resamples of n indices and calls `visit` with the index array of each. */
function forEachResample(n: number, samples: number, seed: number | string, visit: (idx: Uint32Array) => void): void {
  const rng = new Rng(seed).fork('bootstrap');
  const idx = new Uint32Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    visit(idx);
  }
}

function gatherInto(out: Float64Array, src: ArrayLike<number>, idx: Uint32Array): Float64Array {
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  return out;
}

/**
 * Percentile bootstrap interval of `metricFn(x, y)`, resampling pairs with replacement.
 *
 * @example
 * ```ts
 * const ci = bootstrapCI(pearson, predictions, gold, { samples: 1000, level: 0.95, seed: 42 });
 * console.log(`r = ${ci.estimate.toFixed(3)} [${ci.lower.toFixed(3)}, ${ci.upper.toFixed(3)}]`);
 * ```
 */
export function bootstrapCI(
  metricFn: PairMetric,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BootstrapOptions = {},
): BootstrapCI {
  const { samples, level, seed } = resolve(options, 'bootstrapCI');
  checkPairs('bootstrapCI', x, y);
  const estimate = metricFn(x, y);
  const n = x.length;
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const stats: number[] = [];
  let nUndefined = 0;
  forEachResample(n, samples, seed, (idx) => {
    const v = metricFn(gatherInto(bx, x, idx), gatherInto(by, y, idx));
    if (Number.isFinite(v)) stats.push(v);
    else nUndefined++;
  });
  stats.sort((p, q) => p - q);
  const alpha = (1 - level) / 2;
  return {
    estimate,
    lower: quantileSorted(stats, alpha),
    upper: quantileSorted(stats, 1 - alpha),
    level,
    samples,
    nUndefined,
  };
}

/**
 * Paired bootstrap comparison of two judges scored on the same items against the same gold scores.
 * Each resample draws item indices once and scores both judges on them, so the item difficulty
 * shared by the judges cancels out.
 *
 * The p-value is the two-sided percentile-bootstrap p: with d* the resampled differences,
 * `p = min(1, 2·min((#{d* ≤ 0} + 1)/(B + 1), (#{d* ≥ 0} + 1)/(B + 1)))` over the B defined
 * resamples. It is the smallest 1 − level at which the percentile interval excludes 0, so the
 * verdict (interval excludes 0) and `pValue < 1 − level` agree up to the +1 correction.
 *
 * @param higherIsBetter the metric's direction: true for correlations (default), false for RMSE.
 */
export function pairedBootstrapDiff(
  metricFn: PairMetric,
  gold: ArrayLike<number>,
  predA: ArrayLike<number>,
  predB: ArrayLike<number>,
  options: BootstrapOptions & { higherIsBetter?: boolean } = {},
): PairedBootstrapResult {
  return pairedBootstrapDiffOverSeeds(metricFn, gold, [predA], [predB], options);
}

/**
 * {@link pairedBootstrapDiff} pooled over training seeds: judges A and B were each trained with S
 * seeds and scored on the same items, and the statistic is the mean over seeds of
 * metric(A_s) − metric(B_s). Each resample draws item indices once and applies them to every seed,
 * so the interval holds both the item sampling and the seed-to-seed spread that the mean keeps.
 * With one seed it is exactly {@link pairedBootstrapDiff} (same resamples, same numbers).
 *
 * @param predsA predictions of A, one array per seed (each as long as `gold`)
 * @param predsB predictions of B, one array per seed, in the same seed order
 */
export function pairedBootstrapDiffOverSeeds(
  metricFn: PairMetric,
  gold: ArrayLike<number>,
  predsA: readonly ArrayLike<number>[],
  predsB: readonly ArrayLike<number>[],
  options: BootstrapOptions & { higherIsBetter?: boolean } = {},
): PairedBootstrapResult {
  const { samples, level, seed } = resolve(options, 'pairedBootstrapDiff');
  const higherIsBetter = options.higherIsBetter ?? true;
  if (predsA.length === 0 || predsA.length !== predsB.length)
    throw new RangeError(
      `pairedBootstrapDiff: need the same positive number of seeds for A and B, ` +
        `got ${predsA.length} and ${predsB.length}`,
    );
  const which = (s: number) => (predsA.length > 1 ? ` seed ${s}` : '');
  for (let s = 0; s < predsA.length; s++) {
    checkPairs(`pairedBootstrapDiff (predA${which(s)} vs gold)`, predsA[s], gold);
    checkPairs(`pairedBootstrapDiff (predB${which(s)} vs gold)`, predsB[s], gold);
  }
  const meanOver = (f: (s: number) => number) => {
    let sum = 0;
    for (let s = 0; s < predsA.length; s++) sum += f(s);
    return sum / predsA.length;
  };
  const a = meanOver((s) => metricFn(predsA[s], gold));
  const b = meanOver((s) => metricFn(predsB[s], gold));
  const n = gold.length;
  const bg = new Float64Array(n);
  const ba = new Float64Array(n);
  const bb = new Float64Array(n);
  const diffs: number[] = [];
  let nUndefined = 0;
  forEachResample(n, samples, seed, (idx) => {
    gatherInto(bg, gold, idx);
    const d = meanOver(
      (s) => metricFn(gatherInto(ba, predsA[s], idx), bg) - metricFn(gatherInto(bb, predsB[s], idx), bg),
    );
    if (Number.isFinite(d)) diffs.push(d);
    else nUndefined++;
  });
  diffs.sort((p, q) => p - q);
  const alpha = (1 - level) / 2;
  const lower = quantileSorted(diffs, alpha);
  const upper = quantileSorted(diffs, 1 - alpha);
  let le = 0;
  let ge = 0;
  for (const d of diffs) {
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  const B = diffs.length;
  const pValue = B === 0 ? NaN : Math.min(1, (2 * Math.min(le + 1, ge + 1)) / (B + 1));
  let verdict: PairedVerdict = 'no significant difference';
  if (lower > 0) verdict = higherIsBetter ? 'A better' : 'B better';
  else if (upper < 0) verdict = higherIsBetter ? 'B better' : 'A better';
  return { a, b, diff: a - b, lower, upper, level, pValue, verdict, samples, nUndefined };
}
