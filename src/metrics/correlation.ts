/**
 * Agreement between a judge's predictions and gold scores: Pearson r, Spearman ρ, Kendall τ-b and
 * RMSE, with p-values where scipy gives them. Every definition matches `scipy.stats` 1.10 defaults
 * (the library behind the TRACT paper's numbers, `evaluation_utils.py`): Spearman uses average ranks
 * for ties, Kendall is tau-b with scipy's exact/asymptotic p-value rule. Gold scores in this domain
 * are integers 1-5 or means of three judges, so ties are the rule, not the exception.
 *
 * Inputs must be finite and of equal length: anything else throws an error that names the function
 * and the offending index. To drop invalid predictions (an unparsable score), call
 * {@link dropInvalid} first: it returns the kept pairs and how many were dropped, so that nothing is
 * dropped silently.
 *
 * @module metrics/correlation
 */
import { normalSf, pearsonPValue } from './distributions';

/** A statistic with its two-sided p-value. */
export interface TestResult {
  statistic: number;
  pvalue: number;
}

/** Throws unless x and y are finite numeric sequences of the same length, at least `min` long. */
export function checkPairs(fn: string, x: ArrayLike<number>, y: ArrayLike<number>, min = 2): void {
  if (x.length !== y.length) {
    throw new RangeError(`${fn}: x and y have different lengths (${x.length} vs ${y.length})`);
  }
  if (x.length < min) throw new RangeError(`${fn}: needs at least ${min} pairs, got ${x.length}`);
  for (const [name, v] of [
    ['x', x],
    ['y', y],
  ] as const) {
    for (let i = 0; i < v.length; i++) {
      const value = v[i];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(
          `${fn}: ${name}[${i}] is ${value} (not a finite number); ` +
            'use dropInvalid(x, y) to drop and count invalid pairs',
        );
      }
    }
  }
}

/** Pairs kept by {@link dropInvalid}, with the count and positions of those dropped. */
export interface KeptPairs {
  x: number[];
  y: number[];
  /** Original indices of the kept pairs. */
  kept: number[];
  /** Number of pairs dropped. */
  dropped: number;
  /** Original indices of the dropped pairs. */
  droppedIndices: number[];
}

/**
 * Drops the pairs where either value is missing, NaN or infinite (an invalid judge output), and
 * says how many it dropped. TRACT's evaluation drops NaNs too (`evaluation_utils.py` L34-42), but
 * only logs the count; tables built on this report it.
 */
export function dropInvalid(
  x: ArrayLike<number | null | undefined>,
  y: ArrayLike<number | null | undefined>,
): KeptPairs {
  if (x.length !== y.length) {
    throw new RangeError(`dropInvalid: x and y have different lengths (${x.length} vs ${y.length})`);
  }
  const out: KeptPairs = { x: [], y: [], kept: [], dropped: 0, droppedIndices: [] };
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (typeof a === 'number' && Number.isFinite(a) && typeof b === 'number' && Number.isFinite(b)) {
      out.x.push(a);
      out.y.push(b);
      out.kept.push(i);
    } else {
      out.dropped++;
      out.droppedIndices.push(i);
    }
  }
  return out;
}

/** Indices 0..n−1 sorted by `values` ascending (ties in index order). */
function argsort(values: Float64Array): Uint32Array {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((i, j) => values[i] - values[j] || i - j);
  return idx;
}

/**
 * Ranks starting at 1, ties given the average of the ranks they span (scipy `rankdata`, 'average').
 */
export function rankAverage(values: ArrayLike<number>): Float64Array {
  const v = Float64Array.from(values);
  const order = argsort(v);
  const ranks = new Float64Array(v.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    const avg = (i + j) / 2 + 1; // ranks i+1..j+1
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

function pearsonUnchecked(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return NaN; // a constant input: r is undefined (scipy returns nan)
  const r = sxy / Math.sqrt(sxx) / Math.sqrt(syy);
  return Math.max(-1, Math.min(1, r));
}

function isConstant(v: ArrayLike<number>): boolean {
  for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) return false;
  return true;
}

/**
 * Pearson's r. NaN when either input is constant (a judge that always says 4), as scipy.
 * @example pearson([1, 2, 3, 4], [1, 3, 2, 4]) // 0.8
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('pearson', x, y);
  if (isConstant(x) || isConstant(y)) return NaN;
  if (x.length === 2) return Math.sign(x[1] - x[0]) * Math.sign(y[1] - y[0]);
  return pearsonUnchecked(x, y);
}

/**
 * Pearson's r with scipy 1.10's two-sided p-value (exact null distribution of r under
 * independent normal samples). `{ NaN, NaN }` for a constant input; p = 1 for n = 2.
 */
export function pearsonTest(x: ArrayLike<number>, y: ArrayLike<number>): TestResult {
  const r = pearson(x, y);
  if (Number.isNaN(r)) return { statistic: NaN, pvalue: NaN };
  return { statistic: r, pvalue: pearsonPValue(r, x.length) };
}

/** Spearman's ρ: Pearson's r of the average ranks. NaN when either input is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('spearman', x, y);
  if (isConstant(x) || isConstant(y)) return NaN;
  return pearsonUnchecked(rankAverage(x), rankAverage(y));
}

/** Counts used by τ-b and its p-value (scipy's names). */
interface KendallCounts {
  n: number;
  tot: number;
  dis: number;
  ntie: number;
  xtie: number;
  x0: number;
  x1: number;
  ytie: number;
  y0: number;
  y1: number;
}

/** Tie statistics of dense ranks 1..max: Σt(t−1)/2, Σt(t−1)(t−2), Σt(t−1)(2t+5). */
function tieStats(ranks: Int32Array, max: number): [number, number, number] {
  const cnt = new Float64Array(max + 1);
  for (let i = 0; i < ranks.length; i++) cnt[ranks[i]]++;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  for (let r = 1; r <= max; r++) {
    const t = cnt[r];
    if (t > 1) {
      t0 += (t * (t - 1)) / 2;
      t1 += t * (t - 1) * (t - 2);
      t2 += t * (t - 1) * (2 * t + 5);
    }
  }
  return [t0, t1, t2];
}

/**
 * Concordance counts in O(n log n) (Knight 1966; scipy's `_kendall_dis` with a Fenwick tree):
 * sort by y for dense y ranks, sort by (x, y), then count discordant pairs.
 */
function kendallCounts(xs: ArrayLike<number>, ys: ArrayLike<number>): KendallCounts {
  const n = xs.length;
  const { xr, yr, xMax, yMax } = sortedRanks(Float64Array.from(xs), Float64Array.from(ys));
  const dis = discordantPairs(xr, yr, yMax);
  const ntie = jointTies(xr, yr);
  const [xtie, x0, x1] = tieStats(xr, xMax);
  const [ytie, y0, y1] = tieStats(yr, yMax);
  return { n, tot: (n * (n - 1)) / 2, dis, ntie, xtie, x0, x1, ytie, y0, y1 };
}

/** Dense 1-based ranks of x and y, in the order sorted by (x, y), and the largest rank of each. */
function sortedRanks(x: Float64Array, y: Float64Array): { xr: Int32Array; yr: Int32Array; xMax: number; yMax: number } {
  const n = x.length;
  // dense ranks of y (1-based)
  const byY = argsort(y);
  const yRank = new Int32Array(n);
  let yMax = 0;
  for (let k = 0; k < n; k++) {
    if (k === 0 || y[byY[k]] !== y[byY[k - 1]]) yMax++;
    yRank[byY[k]] = yMax;
  }
  // sort by (x, yRank)
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => x[i] - x[j] || yRank[i] - yRank[j]);
  const xr = new Int32Array(n);
  const yr = new Int32Array(n);
  let xMax = 0;
  for (let k = 0; k < n; k++) {
    if (k === 0 || x[order[k]] !== x[order[k - 1]]) xMax++;
    xr[k] = xMax;
    yr[k] = yRank[order[k]];
  }
  return { xr, yr, xMax, yMax };
}

/**
 * Discordant pairs of ranks sorted by (x, y), with a Fenwick tree over y ranks: for each element, the earlier
 * elements with strictly smaller x and larger y.
 */
function discordantPairs(xr: Int32Array, yr: Int32Array, yMax: number): number {
  const n = xr.length;
  const tree = new Int32Array(yMax + 1);
  let dis = 0;
  let i = 0;
  let k = 0;
  while (i < n) {
    while (k < n && xr[i] === xr[k]) {
      dis += i;
      for (let idx = yr[k]; idx !== 0; idx &= idx - 1) dis -= tree[idx]; // minus earlier with y ≤ y_k
      k++;
    }
    while (i < k) {
      for (let idx = yr[i]; idx <= yMax; idx += idx & -idx) tree[idx]++;
      i++;
    }
  }
  return dis;
}

/** Pairs tied in both x and y: runs of equal (x, y) in sorted order. */
function jointTies(xr: Int32Array, yr: Int32Array): number {
  const n = xr.length;
  let ntie = 0;
  let run = 1;
  for (let j = 1; j <= n; j++) {
    if (j < n && xr[j] === xr[j - 1] && yr[j] === yr[j - 1]) run++;
    else {
      ntie += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return ntie;
}

function tauFromCounts(c: KendallCounts): number {
  if (c.xtie === c.tot || c.ytie === c.tot) return NaN;
  const conMinusDis = c.tot - c.xtie - c.ytie + c.ntie - 2 * c.dis;
  const tau = conMinusDis / Math.sqrt(c.tot - c.xtie) / Math.sqrt(c.tot - c.ytie);
  return Math.max(-1, Math.min(1, tau));
}

/**
 * Kendall's τ-b (the 1945 tie-corrected version, scipy's default), in O(n log n).
 * NaN when either input is constant.
 * @example kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]) // (5 − 1) / 6
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('kendallTauB', x, y);
  return tauFromCounts(kendallCounts(x, y));
}

/** Factorial as a double (exact up to 22!, correctly rounded beyond). */
function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/**
 * Exact two-sided p-value of Kendall's τ without ties, for n pairs with c concordant pairs
 * (Kendall 1970; a port of scipy 1.10 `_mstats_basic._kendall_p_exact`).
 */
function kendallPExact(n: number, concordant: number): number {
  const half = (n * (n - 1)) / 2;
  const c = Math.min(concordant, half - concordant);
  if (n <= 2) return 1;
  if (c === 0) return n < 171 ? 2 / factorial(n) : 0;
  if (c === 1) return n < 172 ? 2 / factorial(n - 1) : 0;
  if (4 * c === n * (n - 1)) return 1;
  let next = new Float64Array(c + 1);
  next[0] = 1;
  next[1] = 1;
  const scaled = n >= 171;
  for (let j = 3; j <= n; j++) {
    const cum = new Float64Array(c + 1);
    let acc = 0;
    for (let t = 0; t <= c; t++) {
      acc += next[t];
      cum[t] = scaled ? acc / j : acc;
    }
    if (j <= c) {
      const snapshot = cum.slice();
      for (let t = j; t <= c; t++) cum[t] -= snapshot[t - j];
    }
    next = cum;
  }
  let sum = 0;
  for (let t = 0; t <= c; t++) sum += next[t];
  const prob = scaled ? sum : (2 * sum) / factorial(n);
  return Math.max(0, Math.min(1, prob));
}

/**
 * Kendall's τ-b with scipy 1.10's default two-sided p-value (`method='auto'`): exact when there
 * are no ties and n ≤ 33 (or at most one discordant or concordant pair), otherwise the normal
 * approximation with the tie-corrected variance. `{ NaN, NaN }` for a constant input.
 */
export function kendallTest(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): TestResult & { method: 'exact' | 'asymptotic' } {
  checkPairs('kendallTest', x, y);
  const c = kendallCounts(x, y);
  const tau = tauFromCounts(c);
  if (Number.isNaN(tau)) return { statistic: NaN, pvalue: NaN, method: 'asymptotic' };
  const noTies = c.xtie === 0 && c.ytie === 0;
  if (noTies && (c.n <= 33 || Math.min(c.dis, c.tot - c.dis) <= 1)) {
    return { statistic: tau, pvalue: kendallPExact(c.n, c.tot - c.dis), method: 'exact' };
  }
  const n = c.n;
  const m = n * (n - 1);
  const conMinusDis = c.tot - c.xtie - c.ytie + c.ntie - 2 * c.dis;
  const variance = (m * (2 * n + 5) - c.x1 - c.y1) / 18 + (2 * c.xtie * c.ytie) / m + (c.x0 * c.y0) / (9 * m * (n - 2));
  const z = conMinusDis / Math.sqrt(variance);
  return { statistic: tau, pvalue: Math.min(1, 2 * normalSf(Math.abs(z))), method: 'asymptotic' };
}

/** Root mean squared error between predictions and gold scores. */
export function rmse(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  checkPairs('rmse', pred, gold, 1);
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i] - gold[i];
    s += d * d;
  }
  return Math.sqrt(s / pred.length);
}
