/**
 * Results on disk → figures. Reads a run folder (`results/runs/<runId>/`: metrics.json,
 * predictions.jsonl, train-log.csv, config.resolved.json) or a suite results folder
 * (`results/<suite>/summary.json` listing its runs), and picks the paper figures of
 * `report/figures.ts` for it. Everything comes from the run files, never from folder names.
 *
 * @example
 * ```ts
 * import { figuresForResults } from './src/report/runData';
 * import { exportFigures } from './src/report/exportFigures';
 * await exportFigures(figuresForResults('results/default'), 'results/figures/default');
 * ```
 * @module report/runData
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readJsonl } from '../io/jsonl';
import { DEFAULT_EXPERIMENT, type ExperimentConfig } from '../tract/config';
import type { Prediction } from '../tract/evaluate';
import type { RunMetrics } from '../tract/pipeline';
import {
  ablationBars, calibrationPlot, calibrationSeriesBySplit, decodingLabel, goldScoreShares, lambdaSweep, meanScoreProbs,
  methodLabel, predictedVsGold, railDistribution, splitLabel, SPLIT_COLORS, trainingCurves,
  type IntervalPoint, type NamedFigure, type SweepPoint,
} from './figures';

/** The evaluation splits every run reports, in table order. */
export const SPLITS = ['test', 'test-ood'] as const;

/** One row of a run's `train-log.csv` (stage + the trainer's columns). */
export interface TrainLogRecord {
  stage: string;
  step: number;
  loss: number;
  ce: number;
  score: number;
  /** Every numeric column by name (lr, gradNorm, eval_valPearson, ...); '' reads as NaN. */
  columns: Record<string, number>;
}

/**
 * Parses a run's `train-log.csv`: header `stage,step,loss,ce,score,...`, one row per logged step
 * (no quoted fields). A header-only file (a run without training, e.g. the seed) gives no rows.
 * @param file names the source in errors
 */
export function parseTrainLog(text: string, file: string): TrainLogRecord[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${file}: empty (expected a header line starting with 'stage')`);
  const head = lines[0].split(',');
  if (head[0] !== 'stage') throw new Error(`${file}: first column is '${head[0]}', expected 'stage'`);
  if (lines.length === 1) return [];
  for (const col of ['step', 'loss', 'ce', 'score']) {
    if (!head.includes(col)) throw new Error(`${file}: no '${col}' column (columns: ${head.join(', ')})`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== head.length) throw new Error(`${file}: line ${i + 2} has ${cells.length} fields, the header has ${head.length}`);
    const columns: Record<string, number> = {};
    head.forEach((h, j) => {
      if (j > 0) columns[h] = cells[j].trim() === '' ? NaN : Number(cells[j]);
    });
    if (!Number.isFinite(columns.step)) throw new Error(`${file}: line ${i + 2}: step '${cells[head.indexOf('step')]}' is not a number`);
    return { stage: cells[0], step: columns.step, loss: columns.loss, ce: columns.ce, score: columns.score, columns };
  });
}

/** Reads a run's `train-log.csv` (see {@link parseTrainLog}). */
export function readTrainLog(file: string): TrainLogRecord[] {
  return parseTrainLog(readFileSync(file, 'utf8'), file);
}

/** Everything the figures of one run need. */
export interface RunData {
  dir: string;
  /** The folder name (the pipeline names it `<method>-<hash>`; not parsed). */
  runId: string;
  metrics: RunMetrics;
  predictions: Prediction[];
  trainLog: TrainLogRecord[];
  config: ExperimentConfig;
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function checkMetrics(m: RunMetrics, file: string): void {
  if (typeof m.method !== 'string') throw new Error(`${file}: field 'method' missing or not a string`);
  if (m.primary !== 'rail' && m.primary !== 'standard') throw new Error(`${file}: field 'primary' is ${JSON.stringify(m.primary)}, expected 'rail' or 'standard'`);
  if (!m.splits || typeof m.splits !== 'object') throw new Error(`${file}: field 'splits' missing`);
  for (const split of SPLITS) {
    const s = m.splits[split]?.[m.primary];
    if (!s) throw new Error(`${file}: field 'splits.${split}.${m.primary}' missing`);
    for (const k of ['pearson', 'pearsonLo', 'pearsonHi'] as const) {
      // NaN is written to JSON as null
      if (typeof s[k] !== 'number' && s[k] !== null) throw new Error(`${file}: field 'splits.${split}.${m.primary}.${k}' is not a number`);
    }
  }
}

function checkPrediction(p: Prediction, file: string, i: number): void {
  const where = `${file}: record ${i + 1}`;
  if (typeof p.split !== 'string') throw new Error(`${where}: field 'split' missing`);
  if (typeof p.gold !== 'number') throw new Error(`${where}: field 'gold' missing or not a number`);
  if (typeof p.rail !== 'number') throw new Error(`${where}: field 'rail' missing or not a number`);
  if (p.standard !== null && typeof p.standard !== 'number') throw new Error(`${where}: field 'standard' must be a number or null`);
  if (!Array.isArray(p.readouts) || p.readouts.length === 0 || !p.readouts.every((r) => Array.isArray(r.probs))) {
    throw new Error(`${where}: field 'readouts' must list readouts with 'probs'`);
  }
}

/** JSON writes NaN as null: read a metric back as a number. */
function num(v: number | null | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

/**
 * Reads a run folder: metrics.json, predictions.jsonl, train-log.csv, config.resolved.json.
 * Errors name the file and the field.
 */
export function readRunFolder(dir: string): RunData {
  const metricsFile = join(dir, 'metrics.json');
  const metrics = readJson<RunMetrics>(metricsFile);
  checkMetrics(metrics, metricsFile);
  const predFile = join(dir, 'predictions.jsonl');
  if (!existsSync(predFile)) throw new Error(`${predFile}: no such file`);
  const predictions = readJsonl<Prediction>(predFile);
  predictions.forEach((p, i) => checkPrediction(p, predFile, i));
  const logFile = join(dir, 'train-log.csv');
  if (!existsSync(logFile)) throw new Error(`${logFile}: no such file`);
  const configFile = join(dir, 'config.resolved.json');
  const config = readJson<ExperimentConfig>(configFile);
  if (typeof config.objective?.lambda !== 'number') throw new Error(`${configFile}: field 'objective.lambda' missing or not a number`);
  const runId = resolve(dir).split(/[\\/]/).pop()!;
  return { dir, runId, metrics, predictions, trainLog: readTrainLog(logFile), config };
}

/** One run of a suite. */
export interface SuiteRun {
  seed: number;
  method: string;
  runId: string;
  run: RunData;
}

/** A suite results folder: its summary and the runs it lists. */
export interface SuiteData {
  dir: string;
  profile: string;
  seeds: number;
  /** The method the suite compares against the others (its suite file's `compare`, else 'tract'). */
  compare: string;
  runs: SuiteRun[];
}

interface SummaryFile {
  profile?: string;
  seeds?: number;
  suite?: string;
  runs?: { seed: number; method: string; runId: string; dir: string }[];
}

/** Where a listed run lives: `<suite dir>/../runs/<runId>` first, then the `dir` recorded in summary.json. */
function runDirOf(suiteDir: string, entry: { runId: string; dir: string }, file: string): string {
  const candidates = [join(suiteDir, '..', 'runs', entry.runId)];
  if (typeof entry.dir === 'string') candidates.push(isAbsolute(entry.dir) ? entry.dir : resolve(entry.dir));
  const found = candidates.find((d) => existsSync(join(d, 'metrics.json')));
  if (!found) throw new Error(`${file}: run '${entry.runId}' not found (looked in ${candidates.join(' and ')})`);
  return found;
}

/**
 * Reads a suite results folder: `summary.json` (`{profile, seeds, suite, runs: [{seed, method,
 * runId, dir}]}`) and every run it lists (see {@link readRunFolder}).
 */
export function readSuiteFolder(dir: string): SuiteData {
  const file = join(dir, 'summary.json');
  const summary = readJson<SummaryFile>(file);
  if (!Array.isArray(summary.runs) || summary.runs.length === 0) throw new Error(`${file}: field 'runs' missing or empty`);
  const runs = summary.runs.map((e, i) => {
    if (typeof e.runId !== 'string' || typeof e.method !== 'string' || typeof e.seed !== 'number') {
      throw new Error(`${file}: runs[${i}] needs 'seed' (number), 'method' and 'runId'`);
    }
    return { seed: e.seed, method: e.method, runId: e.runId, run: readRunFolder(runDirOf(dir, e, file)) };
  });
  let compare: string | undefined;
  if (typeof summary.suite === 'string' && existsSync(summary.suite)) {
    compare = (readJson<{ compare?: string }>(summary.suite).compare) ?? undefined;
  }
  const methods = runs.map((r) => r.method);
  compare ??= methods.includes('tract') ? 'tract' : methods[methods.length - 1];
  return { dir, profile: summary.profile ?? 'unknown', seeds: summary.seeds ?? new Set(runs.map((r) => r.seed)).size, compare, runs };
}

/** The primary readout's Pearson r and its bootstrap interval for a split (NaN when missing). */
export function primaryPearson(m: RunMetrics, split: string): { value: number; lo: number; hi: number } {
  const s = m.splits[split]?.[m.primary];
  return { value: num(s?.pearson), lo: num(s?.pearsonLo), hi: num(s?.pearsonHi) };
}

/** `tract (T)`, or `tract (T) λ = 0.5` when the same method appears with other λ among `all`. */
export function runLabel(run: RunData, all: RunData[]): string {
  const same = all.filter((r) => r.metrics.method === run.metrics.method);
  const lambdas = new Set(same.map((r) => r.config.objective.lambda));
  const base = methodLabel(run.metrics.method);
  return same.length > 1 && lambdas.size > 1 ? `${base} λ = ${run.config.objective.lambda}` : base;
}

/** A file-name-safe name for a run's figures (`tract`, `tract-lambda-0.5`). */
function runSlug(run: RunData, all: RunData[]): string {
  const label = runLabel(run, all);
  const slug = label === methodLabel(run.metrics.method) ? run.metrics.method : `${run.metrics.method}-lambda-${run.config.objective.lambda}`;
  return slug.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Bars of each run (x) per split: with one seed the primary Pearson r and its 95% bootstrap
 * interval; with several seeds the mean over seeds ± one sd (as the results table).
 * @param runsBySeed runs of each seed; a label's runs are matched across seeds by {@link runLabel}
 */
export function pearsonPoints(runsBySeed: RunData[][]): { points: IntervalPoint[]; intervalNote: string } {
  const labelsBySeed = runsBySeed.map((runs) => runs.map((r) => runLabel(r, runs)));
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
  const intervalNote = runsBySeed.length === 1 ? '95% bootstrap intervals' : `mean ± sd over ${runsBySeed.length} seeds`;
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
    { name: `scatter-${slug}`, figure: predictedVsGold(run.predictions, { readout: m.primary, readoutLabel: label, method: m.method, splits: [...SPLITS] }) },
    {
      name: `calibration-${slug}`,
      figure: calibrationPlot(calibrationSeriesBySplit(run.predictions, m.primary, [...SPLITS]), { bins: opts.bins ?? 10, mode: 'equal-count', method: m.method, readoutLabel: label }),
    },
  ];
  if (opts.details === false) return out;
  if (run.trainLog.length) out.push({ name: `training-${slug}`, figure: trainingCurves(run.trainLog, { method: m.method }) });
  const series = SPLITS.map((split) => {
    const ps = run.predictions.filter((p) => p.split === split);
    return { name: `${splitLabel(split)} (mean p)`, probs: meanScoreProbs(ps), color: SPLIT_COLORS[split] };
  }).filter((s) => s.probs.every(Number.isFinite));
  const inDomain = run.predictions.filter((p) => p.split === 'test');
  if (inDomain.length) series.push({ name: 'gold labels (in-domain)', probs: goldScoreShares(inDomain), color: '#7f7f7f' });
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
  const seeds = [...new Set(suite.runs.map((r) => r.seed))].sort((a, b) => a - b);
  const runsBySeed = seeds.map((s) => suite.runs.filter((r) => r.seed === s).map((r) => r.run));
  const first = runsBySeed[0];
  const out: NamedFigure[] = [];
  const { points, intervalNote } = pearsonPoints(runsBySeed);
  if (new Set(points.map((p) => p.label)).size >= 2) {
    const fig = ablationBars(points, { intervalNote, yTitle: 'Pearson r (primary readout)' });
    fig.layout.title!.text = `${fig.layout.title!.text}, ${suite.profile} profile`;
    out.push({ name: 'ablation-pearson', figure: fig });
  }
  const swept = [...new Set(first.map((r) => r.metrics.method))].find((m) => new Set(first.filter((r) => r.metrics.method === m).map((r) => r.config.objective.lambda)).size > 1);
  if (swept) {
    const sweep: SweepPoint[] = first.filter((r) => r.metrics.method === swept).flatMap((r) => SPLITS.map((split) => ({ lambda: r.config.objective.lambda, split, ...primaryPearson(r.metrics, split) })));
    out.push({ name: 'lambda-sweep', figure: lambdaSweep(sweep, { method: swept, intervalNote: '95% bootstrap intervals', yTitle: 'Pearson r (primary readout)' }) });
  }
  // in a λ sweep of the compared method, its details are those of the default λ
  const compareRun = first.find((r) => r.metrics.method === suite.compare && (!swept || r.config.objective.lambda === DEFAULT_EXPERIMENT.objective.lambda))
    ?? first.find((r) => r.metrics.method === suite.compare);
  for (const run of first) {
    out.push(...figuresForRun(run, { bins: opts.bins, slug: runSlug(run, first), details: run === compareRun }));
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
