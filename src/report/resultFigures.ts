/**
 * Results on disk → figures: picks the paper figures of `report/figures.ts` for a run folder or a
 * suite results folder, read through `results/` (`readRunFolder`, `readSuiteFolder`). Everything
 * comes from the run files, never from folder names.
 *
 * @example
 * ```ts
 * import { figuresForResults } from './src/report/resultFigures';
 * import { exportFigures } from './src/report/exportFigures';
 * await exportFigures(figuresForResults('results/default'), 'results/figures/default');
 * ```
 * @module report/resultFigures
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IN_DOMAIN, SPLITS, type RunMetrics } from '../results/formats';
import { compareRun, runLabel, runSlug, runVariant } from '../results/labels';
import { readRunFolder, type RunData } from '../results/runFolder';
import { readSuiteFolder, runsBySeed as groupBySeed, type SuiteData } from '../results/suiteFolder';
import { DEFAULT_COMPARE } from '../tract/suiteTables';
import {
  ablationBars,
  calibrationPlot,
  calibrationSeriesBySplit,
  decodingLabel,
  goldScoreShares,
  lambdaSweep,
  meanScoreProbs,
  methodLabel,
  predictedVsGold,
  railDistribution,
  splitLabel,
  SPLIT_COLORS,
  trainingCurves,
  type IntervalPoint,
  type NamedFigure,
  type SweepPoint,
} from './figures';

/** JSON writes NaN as null: read a metric back as a number. */
function num(v: number | null | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

/** The primary readout's Pearson r and its bootstrap interval for a split (NaN when missing). */
export function primaryPearson(m: RunMetrics, split: string): { value: number; lo: number; hi: number } {
  const s = m.splits[split]?.[m.primary];
  return { value: num(s?.pearson), lo: num(s?.pearsonLo), hi: num(s?.pearsonHi) };
}

/** The display label of a run among `all`: the paper's name of its method, plus its variant (`TRACT (λ=0.5)`). */
export function displayLabel(run: RunData, all: readonly RunData[]): string {
  const v = runVariant(run, all);
  return v ? `${methodLabel(run.metrics.method)} (${v})` : methodLabel(run.metrics.method);
}

/**
 * Bars of each run (x) per split: with one seed the primary Pearson r and its 95% bootstrap
 * interval; with several seeds the mean over seeds ± one sd (as the results table).
 * @param runsBySeed runs of each seed; a label's runs are matched across seeds by {@link displayLabel}
 */
export function pearsonPoints(runsBySeed: RunData[][]): { points: IntervalPoint[]; intervalNote: string } {
  const labelsBySeed = runsBySeed.map((runs) => runs.map((r) => displayLabel(r, runs)));
  const labels = [...new Set(labelsBySeed.flat())];
  const points: IntervalPoint[] = [];
  for (const label of labels) {
    const runs = runsBySeed.flatMap((rs, s) => rs.filter((_, i) => labelsBySeed[s][i] === label));
    for (const split of SPLITS) {
      if (runsBySeed.length === 1) {
        points.push({ label, group: split, ...primaryPearson(runs[0].metrics, split) });
        continue;
      }
      const vals = runs.map((r) => primaryPearson(r.metrics, split).value).filter(Number.isFinite);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = vals.length > 1 ? Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1)) : NaN;
      points.push({ label, group: split, value: vals.length ? mean : NaN, lo: mean - sd, hi: mean + sd });
    }
  }
  const intervalNote =
    runsBySeed.length === 1 ? '95% bootstrap intervals' : `mean ± sd over ${runsBySeed.length} seeds`;
  return { points, intervalNote };
}

function readoutLabel(m: RunMetrics): string {
  return m.primary === 'rail' ? decodingLabel(m.decoding === 'rail' ? 'rail' : 'cot-rail') : decodingLabel('standard');
}

/** Options of {@link figuresForRun}. */
export interface RunFigureOptions {
  /** Calibration bins (default 10, equal-count). */
  bins?: number;
  /** Suffix of the figure names (default: the method id). */
  slug?: string;
  /** Include training curves and the RAIL distribution (default true). */
  details?: boolean;
}

/**
 * The figures of one run: `scatter-<m>`, `calibration-<m>` and (with `details`) `training-<m>`
 * (when it trained) and `rail-distribution-<m>`, where `<m>` is the method id.
 */
export function figuresForRun(run: RunData, opts: RunFigureOptions = {}): NamedFigure[] {
  const m = run.metrics;
  const slug = opts.slug ?? m.method;
  const label = readoutLabel(m);
  const out: NamedFigure[] = [
    {
      name: `scatter-${slug}`,
      figure: predictedVsGold(run.predictions, {
        readout: m.primary,
        readoutLabel: label,
        method: m.method,
        splits: [...SPLITS],
      }),
    },
    {
      name: `calibration-${slug}`,
      figure: calibrationPlot(calibrationSeriesBySplit(run.predictions, m.primary, [...SPLITS]), {
        bins: opts.bins ?? 10,
        mode: 'equal-count',
        method: m.method,
        readoutLabel: label,
      }),
    },
  ];
  if (opts.details === false) return out;
  if (run.trainLog.length)
    out.push({ name: `training-${slug}`, figure: trainingCurves(run.trainLog, { method: m.method }) });
  const series = SPLITS.map((split) => {
    const ps = run.predictions.filter((p) => p.split === split);
    return { name: `${splitLabel(split)} (mean p)`, probs: meanScoreProbs(ps), color: SPLIT_COLORS[split] };
  }).filter((s) => s.probs.every(Number.isFinite));
  const inDomain = run.predictions.filter((p) => p.split === IN_DOMAIN);
  if (inDomain.length)
    series.push({ name: 'gold labels (in-domain)', probs: goldScoreShares(inDomain), color: '#7f7f7f' });
  out.push({ name: `rail-distribution-${slug}`, figure: railDistribution(series, { method: m.method }) });
  return out;
}

/**
 * The figures of a suite: `ablation-pearson` (bars of every run, when there are two or more),
 * `lambda-sweep` (when one method runs with several λ), `scatter-<m>` and `calibration-<m>` of
 * every run of the first seed, and `training-<m>` and `rail-distribution-<m>` of the compared
 * method.
 */
export function figuresForSuite(suite: SuiteData, opts: { bins?: number } = {}): NamedFigure[] {
  const runsBySeed: RunData[][] = groupBySeed(suite.runs);
  const first = runsBySeed[0];
  const out: NamedFigure[] = [];
  const { points, intervalNote } = pearsonPoints(runsBySeed);
  if (new Set(points.map((p) => p.label)).size >= 2) {
    const fig = ablationBars(points, { intervalNote, yTitle: 'Pearson r (primary readout)' });
    fig.layout.title!.text = `${fig.layout.title!.text}, ${suite.profile} profile`;
    out.push({ name: 'ablation-pearson', figure: fig });
  }
  const swept = [...new Set(first.map((r) => r.metrics.method))].find(
    (m) => new Set(first.filter((r) => r.metrics.method === m).map((r) => r.config.objective.lambda)).size > 1,
  );
  if (swept) {
    const sweep: SweepPoint[] = first
      .filter((r) => r.metrics.method === swept)
      .flatMap((r) =>
        SPLITS.map((split) => ({ lambda: r.config.objective.lambda, split, ...primaryPearson(r.metrics, split) })),
      );
    out.push({
      name: 'lambda-sweep',
      figure: lambdaSweep(sweep, {
        method: swept,
        intervalNote: '95% bootstrap intervals',
        yTitle: 'Pearson r (primary readout)',
      }),
    });
  }
  // the compared run (its default λ and number of CoTs) also gets its training curves and RAIL distribution
  const compared = compareRun(
    first,
    first.map((r) => runLabel(r, first)),
    suite.compare,
    DEFAULT_COMPARE,
  );
  for (const run of first) {
    out.push(...figuresForRun(run, { bins: opts.bins, slug: runSlug(run, first), details: run === compared }));
  }
  return out;
}

/**
 * Figures for a results folder: a suite folder (has summary.json, see {@link figuresForSuite}) or
 * a run folder (has metrics.json, see {@link figuresForRun}).
 */
export function figuresForResults(dir: string, opts: { bins?: number } = {}): NamedFigure[] {
  if (existsSync(join(dir, 'summary.json'))) return figuresForSuite(readSuiteFolder(dir), opts);
  if (existsSync(join(dir, 'metrics.json'))) return figuresForRun(readRunFolder(dir), opts);
  throw new Error(`${dir}: neither a run folder (no metrics.json) nor a suite results folder (no summary.json)`);
}
