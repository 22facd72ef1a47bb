/**
 * Helpers for the notebooks (`notebooks/*.ipynb`, tslab kernel started in the project root; run
 * headless by `npm run notebooks`): the profile a notebook computes with, a suite's results read
 * from disk when they exist (or computed as `tract run` would), and display wrappers that fall back
 * to `console.log` outside a kernel.
 *
 * The profile comes from the environment variable `TRACT_PROFILE` (default `full`; the notebook
 * runner sets `ci` unless told otherwise), so one notebook shows the real results in Jupyter and
 * runs in seconds in CI.
 *
 * tslab is a devDependency: it is required lazily, only when a tslab kernel is running.
 *
 * @example
 * ```ts
 * const res = await loadOrRunSuite({ suite: 'default' });   // results/default-full, or computes it
 * showMarkdown(res.table);
 * res.runDirs;                                              // results/runs/<runId>/ for figures
 * ```
 *
 * @module report/notebook
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BenchmarkRecord } from '../data/benchmarks';
import type { JudgeTokens } from '../data/judgeTokens';
import { readJsonl } from '../io/jsonl';
import { describeBackend, initBackend, type BackendReport } from '../engine/backend';
import { BENCHMARK_EVAL_DEFAULTS, evaluateBenchmark, type BenchmarkEvalOptions, type BenchmarkEvalResult } from '../tract/benchmarkEval';
import { DEFAULT_EXPERIMENT, type ExperimentConfig } from '../tract/config';
import type { DistributionShiftResult } from '../tract/distributionShift';
import type { Prediction } from '../tract/evaluate';
import { runLabel, type RunMetrics, type RunSummary } from '../tract/pipeline';
import { buildTables, loadSuite, runSuite } from '../tract/suite';
import { figureToPng } from './exportFigures';
import { ablationBars, type Figure, type IntervalPoint } from './figures';
import { figuresForResults, primaryPearson, SPLITS } from './runData';
import { toMarkdown, type Table } from './tables';

/** The environment variable that picks the profile. */
export const PROFILE_ENV = 'TRACT_PROFILE';
/** The profile when `TRACT_PROFILE` is unset or empty: the experiments as written, no overlay. */
export const DEFAULT_PROFILE = 'full';

/** Profiles known in a project: `full` and every `experiments/profiles/<name>.json`, sorted. */
export function availableProfiles(root = '.'): string[] {
  const dir = join(root, 'experiments', 'profiles');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)) : [];
  return [...new Set([DEFAULT_PROFILE, ...files])].sort();
}

/**
 * The profile notebooks compute with: `TRACT_PROFILE`, default `full`.
 * @param opts.env environment to read (default `process.env`); opts.root the project root (default the working folder)
 * @throws if the name is neither `full` nor a file `experiments/profiles/<name>.json`
 */
export function notebookProfile(opts: { env?: Record<string, string | undefined>; root?: string } = {}): string {
  const env = opts.env ?? process.env;
  const value = env[PROFILE_ENV]?.trim();
  if (!value) return DEFAULT_PROFILE;
  const known = availableProfiles(opts.root);
  if (!known.includes(value)) throw new Error(`${PROFILE_ENV}=${value}: unknown profile (known: ${known.join(', ')})`);
  return value;
}

/** A suite file from a name (`default` → `experiments/suites/default.json`) or a path ending in `.json`. */
export function suiteFilePath(suite: string): string {
  return suite.endsWith('.json') ? suite : join('experiments', 'suites', `${suite}.json`);
}

/**
 * Where `tract run` writes a suite's tables: `results/<suite>` for the quick profile,
 * `results/<suite>-<profile>` otherwise.
 */
export function suiteOutDir(suiteFile: string, profile: string, resultsDir = 'results'): string {
  const name = basename(suiteFile).replace(/\.json$/, '');
  return join(resultsDir, profile === 'quick' ? name : `${name}-${profile}`);
}

/** `summary.json` of a suite, as `runSuite` writes it. */
export interface SuiteSummaryFile {
  profile: string;
  seeds: number;
  suite: string;
  runs: { seed: number; method: string; runId: string; dir: string }[];
}

/** A suite's results, read from disk or just computed. */
export interface SuiteResults {
  suiteFile: string;
  profile: string;
  seeds: number;
  /** Folder of table.md/.csv/.tex, verdicts.csv and summary.json. */
  outDir: string;
  /** True when read from `outDir` (nothing computed), false when `runSuite` ran now. */
  loaded: boolean;
  /** table.md: the results table, then the paired-bootstrap verdict table (Markdown). */
  table: string;
  /** Runs by seed, each in suite order (as `runSuite` returns them), with metrics and predictions. */
  runs: RunSummary[][];
  /** Every run folder (`results/runs/<runId>`: metrics.json, predictions.jsonl, train-log.csv, ...). */
  runDirs: string[];
}

/**
 * Reads a suite's results from `outDir` without computing anything. Complete means: summary.json
 * and table.md exist, summary.json is for `profile` (and `seeds`, when given), and every run folder
 * it lists has metrics.json and predictions.jsonl. Run folders are resolved from the working folder,
 * as `runSuite` wrote them.
 * @returns the results, or a string: the reason they are incomplete
 */
export function readSuiteResults(outDir: string, opts: { profile: string; seeds?: number; suiteFile?: string }): SuiteResults | string {
  const summaryFile = join(outDir, 'summary.json');
  const tableFile = join(outDir, 'table.md');
  if (!existsSync(summaryFile)) return `no ${summaryFile}`;
  if (!existsSync(tableFile)) return `no ${tableFile}`;
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as SuiteSummaryFile;
  if (summary.profile !== opts.profile) return `${summaryFile} is for profile '${summary.profile}', not '${opts.profile}'`;
  if (opts.seeds !== undefined && summary.seeds !== opts.seeds) return `${summaryFile} has ${summary.seeds} seed(s), not ${opts.seeds}`;
  if (!Array.isArray(summary.runs) || summary.runs.length === 0) return `${summaryFile} lists no runs`;
  for (const r of summary.runs) {
    for (const f of ['metrics.json', 'predictions.jsonl']) {
      if (!existsSync(join(r.dir, f))) return `no ${join(r.dir, f)}`;
    }
  }
  const runs: RunSummary[][] = [];
  for (const r of summary.runs) {
    const metrics = JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8')) as RunMetrics;
    const predictions = readJsonl<Prediction>(join(r.dir, 'predictions.jsonl'));
    const config = existsSync(join(r.dir, 'config.resolved.json')) ? readRunConfig(r.dir) : undefined;
    (runs[r.seed] ??= []).push({ runId: r.runId, dir: r.dir, metrics, predictions, ...(config ? { config } : {}) });
  }
  return {
    suiteFile: opts.suiteFile ?? summary.suite,
    profile: summary.profile,
    seeds: summary.seeds,
    outDir,
    loaded: true,
    table: readFileSync(tableFile, 'utf8'),
    runs: runs.filter(Boolean),
    runDirs: summary.runs.map((r) => r.dir),
  };
}

/** Options of {@link loadOrRunSuite}. */
export interface LoadOrRunOptions {
  /** Suite name (`default`, `ablations`, ...) or suite file path. */
  suite: string;
  /** Default: {@link notebookProfile}. */
  profile?: string;
  /** Seeds to run (default 1); when given, results on disk must have this many. */
  seeds?: number;
  /** Where run folders and caches go (default `results`, as `tract run`). */
  resultsDir?: string;
  /** Where the tables go (default {@link suiteOutDir} under `resultsDir`). */
  outDir?: string;
  /** Progress lines (default `console.log`). */
  log?: (line: string) => void;
}

/**
 * A suite's results for a notebook: read from disk when complete (see {@link readSuiteResults}),
 * otherwise computed with `runSuite` exactly as `tract run --suite ... --profile ...` does (cached
 * steps are reused, so a half-finished suite only computes what is missing).
 */
export async function loadOrRunSuite(opts: LoadOrRunOptions): Promise<SuiteResults> {
  const suiteFile = suiteFilePath(opts.suite);
  const profile = opts.profile ?? notebookProfile();
  const resultsDir = opts.resultsDir ?? 'results';
  const outDir = opts.outDir ?? suiteOutDir(suiteFile, profile, resultsDir);
  const log = opts.log ?? ((line: string) => console.log(line));
  const found = readSuiteResults(outDir, { profile, seeds: opts.seeds, suiteFile });
  if (typeof found !== 'string') {
    log(`${suiteFile}, profile '${profile}': results read from ${outDir} (nothing computed)`);
    return found;
  }
  const seeds = opts.seeds ?? 1;
  log(`${suiteFile}, profile '${profile}': computing (${found})`);
  loadSuite(suiteFile, profile, 0); // checks the suite, its experiments and the profile before anything starts
  const backend = await initBackend();
  log(describeBackend(backend));
  const t0 = Date.now();
  const { table, runs } = await runSuite({ suiteFile, profile, seeds, resultsDir, outDir, backend, log, trainLog: (line) => log(line) });
  log(`results table: ${table} after ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  return {
    suiteFile, profile, seeds, outDir, loaded: false,
    table: readFileSync(table, 'utf8'),
    runs,
    runDirs: runs.flat().map((r) => r.dir),
  };
}

/**
 * The model a run was evaluated with: its last training stage's model in the step cache
 * (`<resultsDir>/cache/stages/<key>/model`), or the seed model for methods without training.
 * @returns the path, or null when that folder is gone (caches are not kept everywhere)
 */
export function runModelPath(run: Pick<RunSummary, 'dir' | 'metrics' | 'config'>, resultsDir = 'results'): string | null {
  const stages = run.metrics.stages;
  let path: string;
  if (stages.length) path = join(resultsDir, 'cache', 'stages', stages[stages.length - 1].key, 'model');
  else {
    if (!run.config && !existsSync(join(run.dir, 'config.resolved.json'))) return null;
    path = (run.config ?? readRunConfig(run.dir)).model;
  }
  return existsSync(path) ? path : null;
}

function fmt(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toPrecision(3) : 'n/a';
}

/**
 * A Markdown table of one prediction's readouts: per CoT the score probabilities p(1..K) under the
 * full softmax, the mass outside the score tokens, the RAIL score Σ k·p(k) and the standard-decoding
 * sample (n/a when the sampled token is not a digit), then the mean row when there are several CoTs.
 */
export function readoutTable(pred: Prediction): string {
  const k = pred.readouts[0]?.probs.length ?? 5;
  const cot = pred.readouts.some((r) => r.cot !== null);
  const head = [cot ? 'CoT' : 'readout', ...(cot ? ['clauses right'] : []), ...Array.from({ length: k }, (_, i) => `p(${i + 1})`), 'outside', 'RAIL', 'standard'];
  const rows = pred.readouts.map((r, i) => [
    String(i + 1), ...(cot ? [r.clauseCorrect === undefined ? 'n/a' : String(r.clauseCorrect)] : []),
    ...r.probs.map(fmt), fmt(r.massOutside), fmt(r.rail), r.standard === null ? 'n/a' : String(r.standard),
  ]);
  if (pred.readouts.length > 1) {
    const n = pred.readouts.length;
    const mean = (f: (r: Prediction['readouts'][number]) => number) => pred.readouts.reduce((s, r) => s + f(r), 0) / n;
    rows.push([
      '**mean**', ...(cot ? [''] : []), ...Array.from({ length: k }, (_, j) => fmt(mean((r) => r.probs[j]))),
      fmt(mean((r) => r.massOutside)), `**${fmt(pred.rail)}**`, pred.standard === null ? 'n/a' : fmt(pred.standard),
    ]);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i < (cot ? 2 : 1) ? '---' : '---:'))), ...rows.map(line)].join('\n') + `\n\ngold ${pred.goldExact} (label ${fmt(pred.gold)})\n`;
}

// ---------------------------------------------------------------------------------------------
// Runs of a suite, told apart; tables, bars and a data-driven reading of them

/** A run of a suite with a label that tells it apart from the suite's other runs, and its config. */
export interface LabeledRun extends RunSummary {
  /** The row label of the suite's results table (`pipeline.runLabel`): the method id, plus λ and/or the number of CoTs where runs of the same method differ in them (`tract (λ=0.5)`, `tract (5 CoTs)`). */
  label: string;
  seed: number;
  config: ExperimentConfig;
}

/** A run's config.resolved.json (runs from `runSuite` and `readSuiteResults` carry it already). */
function readRunConfig(dir: string): ExperimentConfig {
  const file = join(dir, 'config.resolved.json');
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  return JSON.parse(readFileSync(file, 'utf8')) as ExperimentConfig;
}

/**
 * The runs of a suite by seed, each with its config (config.resolved.json) and the label of its
 * row in the suite's results table (see {@link LabeledRun.label}); runs that would still share a
 * label get their run id appended.
 */
export function labeledRuns(res: Pick<SuiteResults, 'runs'>): LabeledRun[][] {
  return res.runs.map((runs, seed) => {
    const withConfig = runs.map((r) => ({ ...r, config: r.config ?? readRunConfig(r.dir) }));
    const labels = withConfig.map((r) => runLabel(r, withConfig));
    return withConfig.map((r, i) => ({
      ...r,
      seed,
      label: labels.filter((l) => l === labels[i]).length > 1 ? `${labels[i]} [${r.runId}]` : labels[i],
    }));
  });
}

/** The run of seed 0 with this label; the error lists the labels there are. */
export function findRun(res: Pick<SuiteResults, 'runs'>, label: string): LabeledRun {
  const runs = labeledRuns(res)[0] ?? [];
  const run = runs.find((r) => r.label === label);
  if (!run) throw new Error(`no run labelled '${label}' (runs: ${runs.map((r) => r.label).join(', ')})`);
  return run;
}

/**
 * The label a suite's comparisons are made against: the run of the suite file's `compare` method
 * (default 'tract') with the default λ and one CoT, else the first run of that method.
 */
export function compareLabel(res: Pick<SuiteResults, 'runs' | 'suiteFile'>): string {
  let method = 'tract';
  if (existsSync(res.suiteFile)) method = (JSON.parse(readFileSync(res.suiteFile, 'utf8')) as { compare?: string }).compare ?? method;
  const runs = (labeledRuns(res)[0] ?? []).filter((r) => r.metrics.method === method);
  const dflt = runs.find((r) => r.config.objective.lambda === DEFAULT_EXPERIMENT.objective.lambda && r.config.eval.nCot === DEFAULT_EXPERIMENT.eval.nCot);
  const run = dflt ?? runs[0];
  if (!run) throw new Error(`${res.suiteFile}: no run of the compared method '${method}'`);
  return run.label;
}

/** Options of {@link suiteRunTable} and {@link suiteReading}. */
export interface RunSelection {
  /** Labels of the runs to show, in this order (default: all, in suite order). */
  labels?: string[];
  /** The run the others are compared with by paired bootstrap (default {@link compareLabel}). */
  compare?: string;
}

function selectRuns(res: SuiteResults, labels?: string[]): LabeledRun[][] {
  const all = labeledRuns(res);
  if (!labels) return all;
  for (const l of labels) if (!all[0]?.some((r) => r.label === l)) throw new Error(`no run labelled '${l}' (runs: ${(all[0] ?? []).map((r) => r.label).join(', ')})`);
  return all.map((runs) => labels.map((l) => runs.find((r) => r.label === l)).filter((r): r is LabeledRun => r !== undefined));
}

/** `buildTables` over runs renamed to their labels (so that a selection keeps the labels the whole suite gives its runs). */
function labeledTables(res: SuiteResults, sel: RunSelection): { results: Table; verdicts: Table; compare: string } {
  const runs = selectRuns(res, sel.labels);
  const compare = sel.compare ?? compareLabel(res);
  const renamed = runs.map((rs) => rs.map((r) => ({ runId: r.runId, dir: r.dir, predictions: r.predictions, metrics: { ...r.metrics, method: r.label } })));
  const samples = runs[0][0].config.eval.bootstrapSamples;
  return { ...buildTables(renamed, [], compare, res.profile, samples), compare };
}

/**
 * The results table (Markdown) of the chosen runs, one row per run (labels from
 * {@link labeledRuns}), then the paired-bootstrap verdicts of `compare` against each of them, as
 * `tract run` builds them (without the trivial-baseline rows: see the suite's table.md for those).
 */
export function suiteRunTable(res: SuiteResults, sel: RunSelection = {}): string {
  const { results, verdicts } = labeledTables(res, sel);
  return verdicts.rows.length ? `${toMarkdown(results)}\n${toMarkdown(verdicts)}` : toMarkdown(results);
}

/**
 * Bars of the primary readout's Pearson r with its 95% bootstrap interval, per split, for the
 * chosen runs of seed 0 (labels from {@link labeledRuns}).
 */
export function suiteBars(res: SuiteResults, sel: Pick<RunSelection, 'labels'> & { title?: string } = {}): Figure {
  const runs = selectRuns(res, sel.labels)[0];
  const points: IntervalPoint[] = runs.flatMap((r) => SPLITS.map((split) => ({ label: r.label, group: split, ...primaryPearson(r.metrics, split) })));
  const fig = ablationBars(points, { intervalNote: '95% bootstrap intervals', yTitle: 'Pearson r (primary readout)', title: sel.title });
  if (sel.title === undefined && fig.layout.title) fig.layout.title.text = `${fig.layout.title.text}, ${res.profile} profile`;
  return fig;
}

/** One of the suite's paper figures (`report/runData.figuresForResults` of its results folder) by name, e.g. `lambda-sweep`, `scatter-raft`. */
export function suiteFigure(res: Pick<SuiteResults, 'outDir'>, name: string): Figure {
  const figs = figuresForResults(res.outDir);
  const f = figs.find((x) => x.name === name);
  if (!f) throw new Error(`${res.outDir}: no figure '${name}' (figures: ${figs.map((x) => x.name).join(', ')})`);
  return f.figure;
}

/**
 * A warning for profiles other than `full` (its training steps and examples, read from
 * `experiments/profiles/<name>.json`), or null for `full`.
 */
export function profileWarning(profile: string, root = '.'): string | null {
  if (profile === DEFAULT_PROFILE) return null;
  const file = join(root, 'experiments', 'profiles', `${profile}.json`);
  let what = '';
  if (existsSync(file)) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as { train?: { steps?: number }; data?: { train?: number } };
    const parts = [p.train?.steps !== undefined ? `${p.train.steps} training steps` : '', p.data?.train !== undefined ? `${p.data.train} training examples` : ''].filter(Boolean);
    if (parts.length) what = ` (${parts.join(' on ')})`;
  }
  return `**Warning: profile '${profile}'${what}.** These numbers only show that the code runs; they say nothing about the methods. The full-profile results are described in the next cell.`;
}

function interval(p: { value: number; lo: number; hi: number }): string {
  return Number.isFinite(p.value) ? `${p.value.toFixed(3)} [${p.lo.toFixed(3)}, ${p.hi.toFixed(3)}]` : 'n/a';
}

/**
 * A short reading of the chosen runs computed from their metrics (Markdown): the profile warning
 * (not `full`; `warning: false` leaves it out), per split the run with the highest primary Pearson r and whether its 95% interval
 * overlaps the compared run's, runs without valid predictions, and the paired-bootstrap verdicts
 * of the compared run against each other run (seed 0).
 */
export function suiteReading(res: SuiteResults, sel: RunSelection & { warning?: boolean } = {}): string {
  const { verdicts, compare } = labeledTables(res, sel);
  const runs = selectRuns(res, sel.labels)[0];
  const lines: string[] = [];
  const warn = sel.warning === false ? null : profileWarning(res.profile);
  if (warn) lines.push(warn, '');
  const ref = runs.find((r) => r.label === compare);
  for (const split of SPLITS) {
    const name = split === 'test' ? 'In-domain' : 'Out-of-domain';
    const pts = runs.map((r) => ({ r, p: primaryPearson(r.metrics, split) }));
    const valid = pts.filter((x) => Number.isFinite(x.p.value)).sort((a, b) => b.p.value - a.p.value);
    const n = runs[0]?.metrics.splits[split]?.[runs[0].metrics.primary]?.n;
    const parts: string[] = [];
    if (valid.length === 0) parts.push('no run has a valid r');
    else {
      const best = valid[0];
      parts.push(`highest r: **${best.r.label}** ${interval(best.p)}`);
      const other = best.r.label === compare ? valid[1] : ref && pts.find((x) => x.r === ref);
      if (other && Number.isFinite(other.p.value)) {
        const overlap = best.p.lo <= other.p.hi && other.p.lo <= best.p.hi;
        parts.push(`${best.r.label === compare ? 'next' : compare}: ${other.r.label === compare ? '' : `${other.r.label} `}${interval(other.p)}; the intervals ${overlap ? 'overlap' : 'do not overlap'}`);
      } else if (ref && best.r !== ref) parts.push(`${compare}: n/a`);
    }
    const none = pts.filter((x) => !Number.isFinite(x.p.value)).map((x) => `${x.r.label} (${x.r.metrics.splits[split]?.[x.r.metrics.primary]?.nInvalid ?? '?'} invalid)`);
    if (none.length) parts.push(`no valid r: ${none.join(', ')}`);
    lines.push(`- ${name}${n !== undefined ? ` (n = ${n})` : ''}: ${parts.join('; ')}.`);
  }
  if (verdicts.notes.length) lines.push(`- Paired bootstrap of ${compare} against each run (Δr intervals in the table above):`, ...verdicts.notes.map((v) => `  - ${v}`));
  return `${lines.join('\n')}\n`;
}

/**
 * Bars of a table's cells (e.g. a paper table of `report/paperTables.ts`): one bar per row and
 * column of the given metric, grouped by column group; intervals where the cells have them.
 * @param opts.groups column groups to show (default all); opts.labelColumns which label columns name a row (default [0])
 */
export function tableBars(table: Table, opts: { groups?: string[]; metric?: string; labelColumns?: number[]; title?: string; yTitle?: string } = {}): Figure {
  const metric = opts.metric ?? 'pearson';
  const cols = table.columns.map((c, j) => ({ ...c, j })).filter((c) => c.metric === metric && (!opts.groups || opts.groups.includes(c.group)));
  if (cols.length === 0) throw new Error(`${table.title}: no '${metric}' columns${opts.groups ? ` in groups ${opts.groups.join(', ')}` : ''}`);
  const label = (labels: string[]) => (opts.labelColumns ?? [0]).map((i) => labels[i]).join(', ');
  const points: IntervalPoint[] = table.rows.flatMap((row) => cols.map((c) => {
    const cell = row.cells[c.j];
    return { label: label(row.labels), group: c.group, value: cell ? cell.value : NaN, lo: cell?.lo ?? NaN, hi: cell?.hi ?? NaN };
  }));
  return ablationBars(points, { title: opts.title ?? table.title, yTitle: opts.yTitle });
}

// ---------------------------------------------------------------------------------------------
// Distribution shift (tract/distributionShift.ts)

/** The distribution-shift RMSEs (Markdown): per condition n, our RMSE, mean expected score vs mean target, the paper's RMSE. */
export function distributionShiftTable(res: DistributionShiftResult): string {
  const f = (x: number | null, d = 3) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const lines = [
    '| condition | n | RMSE (ours) | mean RAIL | mean target | RMSE (paper, Mistral) |',
    '|---|---:|---:|---:|---:|---:|',
    ...res.rows.map((r) => `| ${r.condition} | ${r.n} | ${f(r.rmse)} | ${f(r.meanRail, 2)} | ${f(r.meanTarget, 2)} | ${f(r.paper, 2)} |`),
  ];
  return `${lines.join('\n')}\n\nTraining examples ${res.ids[0]} … ${res.ids[res.ids.length - 1]}; targets are the integer training scores. Models: ${res.sources.stage1}, ${res.sources.stage2}; self-CoTs: ${res.sources.selfCots}.\n`;
}

/** Bars of the distribution-shift RMSEs: ours and the paper's per condition. */
export function distributionShiftFigure(res: DistributionShiftResult, profile: string): Figure {
  const points: IntervalPoint[] = res.rows.flatMap((r) => [
    { label: r.condition, group: `TinyJudge (ours, ${profile})`, value: r.rmse, lo: NaN, hi: NaN },
    { label: r.condition, group: 'paper (Mistral-7B)', value: r.paper ?? NaN, lo: NaN, hi: NaN },
  ]);
  return ablationBars(points, { title: 'Distribution shift: RMSE on training inputs', yTitle: 'RMSE (lower is better)' });
}

// ---------------------------------------------------------------------------------------------
// Real benchmarks (data/benchmarks.ts, tract/benchmarkEval.ts)

/** Counts, labels and prompt lengths of one benchmark under a judge's tokenizer. */
export interface BenchmarkOverview {
  benchmark: string;
  records: number;
  labelMean: number;
  labelMin: number;
  labelMax: number;
  /** Prompt tokens (BOS included, as `evaluateBenchmark` encodes them without a chat template). */
  promptTokens: { min: number; median: number; p95: number; max: number };
  /** Prompts longer than `budget` (cut from the left by `evaluateBenchmark`). */
  overBudget: number;
  budget: number;
}

/** Lower quantile of sorted values: the element at floor(q·(n−1)) (as tools/benchmark_stats.ts). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/** {@link BenchmarkOverview} of records: the prompt right-stripped and encoded as `evaluateBenchmark` does (no chat template). */
export function benchmarkOverview(benchmark: string, records: readonly BenchmarkRecord[], jt: JudgeTokens, budget: number): BenchmarkOverview {
  if (records.length === 0) throw new Error(`${benchmark}: no records`);
  const lens = records.map((r) => jt.prompt(r.prompt.trimEnd()).length).sort((a, b) => a - b);
  const labels = records.map((r) => r.label);
  return {
    benchmark,
    records: records.length,
    labelMean: labels.reduce((a, b) => a + b, 0) / labels.length,
    labelMin: Math.min(...labels),
    labelMax: Math.max(...labels),
    promptTokens: { min: lens[0], median: quantile(lens, 0.5), p95: quantile(lens, 0.95), max: lens[lens.length - 1] },
    overBudget: lens.filter((l) => l > budget).length,
    budget,
  };
}

/** The overviews as a Markdown table. */
export function benchmarkOverviewTable(rows: readonly BenchmarkOverview[]): string {
  const lines = [
    '| benchmark | records | label mean | label min–max | prompt tokens min / median / p95 / max | prompts over budget |',
    '|---|---:|---:|---|---|---:|',
    ...rows.map((o) => `| ${o.benchmark} | ${o.records} | ${o.labelMean.toFixed(3)} | ${o.labelMin.toFixed(2)}–${o.labelMax.toFixed(2)} | ${o.promptTokens.min} / ${o.promptTokens.median} / ${o.promptTokens.p95} / ${o.promptTokens.max} | ${o.overBudget} of ${o.records} (budget ${o.budget}) |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Options of {@link loadOrEvaluateBenchmark}: those of `evaluateBenchmark`, defaults as `tract eval`. */
export type LoadOrEvaluateOptions = Partial<Omit<BenchmarkEvalOptions, 'log' | 'backend'>> & Pick<BenchmarkEvalOptions, 'model' | 'benchmark'> & {
  log?: (line: string) => void;
  backend?: BackendReport | null;
};

/**
 * A benchmark evaluation for a notebook, as `tract eval` does it (defaults included): `evaluateBenchmark`
 * reads back a complete run with the same settings (same run id) without computing or writing
 * anything, and computes it otherwise. `loaded` says which happened.
 */
export async function loadOrEvaluateBenchmark(opts: LoadOrEvaluateOptions): Promise<BenchmarkEvalResult & { loaded: boolean }> {
  const backend = opts.backend === undefined ? await initBackend() : opts.backend;
  const res = await evaluateBenchmark({ ...BENCHMARK_EVAL_DEFAULTS, ...opts, backend, log: opts.log ?? ((line: string) => console.log(line)) });
  return { ...res, loaded: res.reused };
}

// ---------------------------------------------------------------------------------------------
// Display

/** The part of tslab's `display` used here. */
interface TslabDisplay {
  markdown(s: string): void;
  html(s: string): void;
  raw(contentType: string, b: unknown): void;
}

/** tslab's `display` when this process is a tslab kernel, else null (tslab is not loaded outside one). */
function tslabDisplay(): TslabDisplay | null {
  const inKernel = Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  if (!inKernel) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('tslab') as { display: TslabDisplay }).display;
  } catch {
    return null;
  }
}

/** Whether this code runs in a tslab kernel (rich output available). */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

/** Shows Markdown: rendered in a notebook, printed as text elsewhere. */
export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d) {
    try {
      d.markdown(md);
      return;
    } catch {
      // not ready (outside a cell): print it
    }
  }
  console.log(md);
}

/** Shows a table (a {@link Table}, or Markdown text such as `SuiteResults.table`). */
export function showTable(table: Table | string): void {
  showMarkdown(typeof table === 'string' ? table : toMarkdown(table));
}

/** tslab's display writer (internal to tslab 1.0.22), for one output with several MIME types; null outside a kernel. */
function tslabWriteDisplayData(): ((data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void) | null {
  if (!tslabDisplay()) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('tslab/dist/jupyter') as { lastWriteDisplayData: ReturnType<typeof tslabWriteDisplayData> }).lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/**
 * Shows a plotly.js figure (`{data, layout}`, e.g. from `report/figures.ts`): in a notebook, ONE output
 * carrying the `application/vnd.plotly.v1+json` figure (interactive in JupyterLab and VS Code) and a
 * PNG of it (what static viewers such as GitHub, nbviewer, or classic Notebook without the plotly
 * extension show), rendered through Chromium by `report/exportFigures.ts`. Without Chromium (or with
 * `png: false`) only the plotly figure is shown. Outside a kernel it prints the title and trace names.
 */
export async function showFigure(fig: { data: unknown[]; layout: Record<string, unknown> }, opts: { png?: boolean } = {}): Promise<void> {
  const d = tslabDisplay();
  if (d) {
    let png: string | null = null;
    if (opts.png !== false) {
      try {
        png = (await figureToPng(fig as Figure, { scale: 1 })).toString('base64');
      } catch {
        png = null; // no browser here: the interactive figure alone
      }
    }
    const write = tslabWriteDisplayData();
    try {
      if (write && png) write({ data: { 'application/vnd.plotly.v1+json': fig, 'image/png': png }, metadata: {}, transient: {} }, false);
      else d.raw('application/vnd.plotly.v1+json', fig);
      return;
    } catch {
      // fall through
    }
  }
  const title = fig.layout.title as { text?: string } | string | undefined;
  const names = fig.data.map((t) => (t as { name?: string }).name ?? '?');
  console.log(`[figure] ${typeof title === 'string' ? title : title?.text ?? ''} (${names.join(', ')})`);
}
