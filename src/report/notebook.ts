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
import { readJsonl } from '../data/jsonl';
import { describeBackend, initBackend } from '../engine/backend';
import type { Prediction } from '../tract/evaluate';
import type { RunMetrics, RunSummary } from '../tract/pipeline';
import { loadSuite, runSuite } from '../tract/suite';
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
    (runs[r.seed] ??= []).push({ runId: r.runId, dir: r.dir, metrics, predictions });
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
export function runModelPath(run: Pick<RunSummary, 'dir' | 'metrics'>, resultsDir = 'results'): string | null {
  const stages = run.metrics.stages;
  let path: string;
  if (stages.length) path = join(resultsDir, 'cache', 'stages', stages[stages.length - 1].key, 'model');
  else {
    const cfgFile = join(run.dir, 'config.resolved.json');
    if (!existsSync(cfgFile)) return null;
    path = (JSON.parse(readFileSync(cfgFile, 'utf8')) as { model: string }).model;
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

/**
 * Shows a plotly.js figure (`{data, layout}`, e.g. from `report/figures.ts`) as an
 * `application/vnd.plotly.v1+json` output (rendered by JupyterLab and VS Code; classic Notebook
 * needs the plotly extension). Outside a kernel it prints the title and trace names.
 */
export function showFigure(fig: { data: unknown[]; layout: Record<string, unknown> }): void {
  const d = tslabDisplay();
  if (d) {
    try {
      d.raw('application/vnd.plotly.v1+json', fig);
      return;
    } catch {
      // fall through
    }
  }
  const title = fig.layout.title as { text?: string } | string | undefined;
  const names = fig.data.map((t) => (t as { name?: string }).name ?? '?');
  console.log(`[figure] ${typeof title === 'string' ? title : title?.text ?? ''} (${names.join(', ')})`);
}
