/**
 * A suite's results for a notebook: read back from disk when complete, or computed as
 * `tract run --suite ... --profile ...` would (cached steps reused, so a half-finished suite only
 * computes what is missing). The profile comes from `TRACT_PROFILE` (default `full`, see
 * `tract/profiles.ts`), so one notebook shows the real results in Jupyter and runs in seconds in CI.
 *
 * @example
 * ```ts
 * const res = await loadOrRunSuite({ suite: 'default' });   // results/default-full, or computes it
 * showMarkdown(res.table);
 * res.runDirs;                                              // results/runs/<runId>/ for figures
 * ```
 *
 * @module notebook/suites
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackend, initBackend } from '../engine/backend';
import type { RunSummary } from '../results/formats';
import { DEFAULT_RESULTS_DIR, stageModelDir, suiteOutDir } from '../results/paths';
import { readSuiteFolder, readSuiteSummary, runsBySeed, suiteFolderProblem } from '../results/suiteFolder';
import { writeSuiteTables } from '../report/tableFiles';
import { availableProfiles, NOTEBOOK_PROFILE, PROFILE_ENV } from '../tract/profiles';
import { expectedRunIds, loadSuite, runSuite } from '../tract/suite';

/**
 * The profile notebooks compute with: `TRACT_PROFILE`, default `full`.
 * @param opts.env environment to read (default `process.env`); opts.root the project root (default the working folder)
 * @throws if the name is neither `full` nor a file `experiments/profiles/<name>.json`
 */
export function notebookProfile(opts: { env?: Record<string, string | undefined>; root?: string } = {}): string {
  const env = opts.env ?? process.env;
  const value = env[PROFILE_ENV]?.trim();
  if (!value) return NOTEBOOK_PROFILE;
  const known = availableProfiles(join(opts.root ?? '.', 'experiments'));
  if (!known.includes(value)) throw new Error(`${PROFILE_ENV}=${value}: unknown profile (known: ${known.join(', ')})`);
  return value;
}

/** The environment variable naming the notebooks' results folder. */
export const RESULTS_ENV = 'TRACT_RESULTS';

/**
 * The results folder notebooks read and write: `TRACT_RESULTS`, default `results` (as `tract run`).
 * `npm run notebooks` sets it to `results/ci` under the ci profile, so CI runs leave nothing beside the
 * committed results (`results/ci/` is ignored by git).
 */
export function notebookResultsDir(env: Record<string, string | undefined> = process.env): string {
  return env[RESULTS_ENV]?.trim() || DEFAULT_RESULTS_DIR;
}

/** A suite file from a name (`default` → `experiments/suites/default.json`) or a path ending in `.json`. */
export function suiteFilePath(suite: string): string {
  return suite.endsWith('.json') ? suite : join('experiments', 'suites', `${suite}.json`);
}

/** A suite's results, read from disk or just computed. */
export interface SuiteResults {
  suiteFile: string;
  profile: string;
  seeds: number;
  /** The method (or run label) the suite compares the others with. */
  compare: string;
  /** Folder of table.md/.csv/.tex, verdicts.csv and summary.json. */
  outDir: string;
  /** True when read from `outDir` (nothing computed), false when `runSuite` ran now. */
  loaded: boolean;
  /** table.md: the results table, then the paired-bootstrap verdict table (Markdown). */
  table: string;
  /** Runs by seed, each in suite order (as `runSuite` returns them), with metrics, predictions and config. */
  runs: RunSummary[][];
  /** Every run folder (`results/runs/<runId>`: metrics.json, predictions.jsonl, train-log.csv, ...). */
  runDirs: string[];
}

/**
 * Reads a suite's results from `outDir` without computing anything. Complete means: the suite
 * folder is complete for `profile` (and `seeds`, when given; see `results/suiteFolder.ts`
 * `suiteFolderProblem`) and its table.md exists.
 * @returns the results, or a string: the reason they are incomplete
 */
export function readSuiteResults(
  outDir: string,
  opts: { profile: string; seeds?: number; suiteFile?: string },
): SuiteResults | string {
  const problem = suiteFolderProblem(outDir, { profile: opts.profile, seeds: opts.seeds });
  if (problem) return problem;
  const tableFile = join(outDir, 'table.md');
  if (!existsSync(tableFile)) return `no ${tableFile}`;
  const suite = readSuiteFolder(outDir);
  return {
    suiteFile: opts.suiteFile ?? suite.suiteFile,
    profile: suite.profile,
    seeds: suite.seeds,
    compare: suite.compare,
    outDir,
    loaded: true,
    table: readFileSync(tableFile, 'utf8'),
    runs: runsBySeed(suite.runs),
    runDirs: suite.runs.map((r) => r.dir),
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
  /** Where run folders and caches go (default {@link notebookResultsDir}: `results`, as `tract run`). */
  resultsDir?: string;
  /** Where the tables go (default `results/paths.ts` suiteOutDir under `resultsDir`). */
  outDir?: string;
  /** Progress lines (default `console.log`). */
  log?: (line: string) => void;
  /**
   * Whether results on disk must have the run ids the suite's current files give (default true; see
   * {@link staleRuns}). False reads any complete folder, e.g. a hand-made fixture.
   */
  checkSettings?: boolean;
}

/**
 * Why results read from disk are not the suite's as its files define it now, or null when they are:
 * their run ids differ from those the current experiment files give (`tract/suite.ts` expectedRunIds).
 */
export function staleRuns(found: SuiteResults, suiteFile: string, profile: string): string | null {
  const expected = expectedRunIds(suiteFile, profile, found.seeds);
  const have = found.runs.map((runs) => runs.map((r) => r.runId));
  for (const [seed, ids] of expected.entries()) {
    const missing = ids.filter((id) => !have[seed]?.includes(id));
    if (missing.length)
      return (
        `${found.outDir} holds runs made with other settings than ${suiteFile} gives now ` +
        `(seed ${seed}: no run ${missing.join(', ')})`
      );
  }
  return null;
}

/**
 * A suite's results for a notebook: read from disk when complete (see {@link readSuiteResults}) and made with
 * the suite's current settings (see {@link staleRuns}),
 * otherwise computed with `runSuite` and its tables written, exactly as `tract run` does.
 */
export async function loadOrRunSuite(opts: LoadOrRunOptions): Promise<SuiteResults> {
  const suiteFile = suiteFilePath(opts.suite);
  const profile = opts.profile ?? notebookProfile();
  const resultsDir = opts.resultsDir ?? notebookResultsDir();
  const outDir = opts.outDir ?? suiteOutDir(suiteFile, profile, resultsDir);
  const log = opts.log ?? ((line: string) => console.log(line));
  const read = readSuiteResults(outDir, { profile, seeds: opts.seeds, suiteFile });
  const stale = typeof read !== 'string' && opts.checkSettings !== false ? staleRuns(read, suiteFile, profile) : null;
  const found = stale ?? read;
  if (typeof found !== 'string') {
    log(`${suiteFile}, profile '${profile}': results read from ${outDir} (nothing computed)`);
    return found;
  }
  const seeds = opts.seeds ?? (typeof read === 'string' ? 1 : read.seeds);
  log(`${suiteFile}, profile '${profile}': computing (${found})`);
  loadSuite(suiteFile, profile, 0); // checks the suite, its experiments and the profile before anything starts
  const backend = await initBackend();
  log(describeBackend(backend));
  const t0 = Date.now();
  const res = await runSuite({
    suiteFile,
    profile,
    seeds,
    resultsDir,
    outDir,
    backend,
    log,
    trainLog: (line) => log(line),
  });
  const table = writeSuiteTables(outDir, res.tables);
  log(`results table: ${table} after ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  return {
    suiteFile,
    profile,
    seeds,
    compare: readSuiteSummary(outDir).compare,
    outDir,
    loaded: false,
    table: readFileSync(table, 'utf8'),
    runs: res.runs,
    runDirs: res.runs.flat().map((r) => r.dir),
  };
}

/**
 * The model a run was evaluated with: its last training stage's model in the step cache
 * (`<resultsDir>/cache/stages/<key>/model`), or the seed model for methods without training.
 * @returns the path, or null when that folder is gone (caches are not kept everywhere)
 */
export function runModelPath(
  run: Pick<RunSummary, 'metrics' | 'config'>,
  resultsDir = notebookResultsDir(),
): string | null {
  const stages = run.metrics.stages;
  const path = stages.length ? stageModelDir(resultsDir, stages[stages.length - 1].key) : run.config.model;
  return existsSync(path) ? path : null;
}
