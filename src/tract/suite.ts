/**
 * A suite: several experiments (one per method) under one profile and one or more seeds, then the
 * results table with bootstrap intervals, trivial baselines and paired-bootstrap verdicts of TRACT
 * against every other method. `npm start` runs `experiments/suites/default.json`.
 *
 * @module tract/suite
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JudgeTokens } from '../data/judgeTokens';
import type { BackendReport } from '../engine/backend';
import { loadModelTokenizer } from '../model/checkpoint';
import { acquireLock } from '../io/lock';
import {
  IN_DOMAIN,
  SPLITS,
  type ExperimentConfig,
  type RunSummary,
  type SuiteRunEntry,
  type SuiteSummary,
} from '../results/formats';
import { readShiftFile, writeShiftFile } from '../results/shiftFile';
import { readSuiteSummary, summaryFile, writeSuiteSummary } from '../results/suiteFolder';
import { shiftRunIndex, suiteShift } from './distributionShift';
import { type ConfigLayer, checkExperiment, readConfigJson, readLayer, shownPath } from './config';
import { ConfigError, checkSchema, SUITE_SCHEMA } from './configSchema';
import { splitMetrics } from './evaluate';
import { METHODS } from './methods';
import { type JobItem, planJobs, runJobs } from './jobs';
import { experimentData, pendingKeys, runIdOf } from './pipeline';
import { modelDigest } from './provenance';
import { checkProfile, profileFile } from './profiles';
import { buildTables, type SuiteTables, type TrivialBaseline } from './suiteTables';

/** The suite `tract run` and `npm start` run when none is given. */
export const DEFAULT_SUITE = 'experiments/suites/default.json';

/** A suite file: experiments (paths relative to the suite file) and the method TRACT is compared to. */
export interface SuiteFile {
  description: string;
  experiments: string[];
  /** The method whose paired-bootstrap verdicts against the others are reported (default 'tract'). */
  compare?: string;
}

export interface SuiteOptions {
  suiteFile: string;
  /** Profile name: experiments/profiles/<name>.json applied over each experiment (none for 'full'). */
  profile: string;
  seeds: number;
  resultsDir: string;
  /** Folder of summary.json (and of the tables the caller writes with report/suiteTables.ts). */
  outDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  trainLog?: (line: string, final: boolean) => void;
  /** When another process holds the results folder's lock: wait for it (default) or fail at once. */
  wait?: boolean;
  /** Worker processes that run experiments at once (default 1: all in this process; see `tract/jobs.ts`). */
  jobs?: number;
  /** Reuse matching run folders without their cached steps (`tract/pipeline.ts` reusableRunFolder). */
  reuseRunFolders?: boolean;
}

/** The method a suite compares the others to when its file names none. */
const DEFAULT_COMPARE = 'tract';

/**
 * Reads and checks a suite file, adding its problems to `problems`; the suite (its `experiments` and
 * `compare` kept when valid on their own, so that the experiments are still checked) or null.
 */
function readSuiteFile(suiteFile: string, name: string, problems: string[]): SuiteFile | null {
  const json = readConfigJson(suiteFile, name, 'suite file');
  const checked = checkSchema(SUITE_SCHEMA, json);
  if (checked.ok) return checked.value as SuiteFile;
  problems.push(...checked.problems.map((p) => `${name}: ${p.path || '(file)'}: ${p.problem}`));
  const raw = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const experiments = SUITE_SCHEMA.shape.experiments.safeParse(raw.experiments);
  const compare = SUITE_SCHEMA.shape.compare.safeParse(raw.compare);
  if (!experiments.success) return null;
  return { description: '', experiments: experiments.data, compare: compare.success ? compare.data : undefined };
}

/** The override layers of a run: the profile's file (unless 'full'), then `--seed`. */
function runLayers(suiteFile: string, profile: string, seed: number, problems: string[]): ConfigLayer[] {
  const root = resolve(dirname(suiteFile), '..');
  const layers: ConfigLayer[] = [];
  try {
    checkProfile(root, profile);
    const file = profileFile(root, profile);
    if (file !== null) layers.push(readLayer(file));
  } catch (err) {
    problems.push(...(err instanceof ConfigError ? err.problems : [(err as Error).message]));
  }
  layers.push({ name: `--seed ${seed}`, layer: { seed } });
  return layers;
}

/**
 * Loads a suite file and the experiments it lists, with the profile and seed applied. Everything is
 * checked before anything runs: the suite file against `tract/configSchema.ts` SUITE_SCHEMA (no
 * unknown keys, existing experiment files, `compare` a method of its experiments), the profile, and
 * every experiment with the profile and seed applied (types, ranges, enums).
 * @throws a `ConfigError` listing every problem found, one `file: key.path: problem` line each
 */
export function loadSuite(
  suiteFile: string,
  profile: string,
  seed: number,
): { suite: SuiteFile; configs: ExperimentConfig[] } {
  const name = shownPath(suiteFile);
  const problems: string[] = [];
  const suite = readSuiteFile(suiteFile, name, problems);
  if (suite === null) throw new ConfigError(problems);
  const layers = runLayers(suiteFile, profile, seed, problems);
  const configs: ExperimentConfig[] = [];
  for (const [i, e] of suite.experiments.entries()) {
    const file = resolve(dirname(suiteFile), e);
    const r = existsSync(file) ? checkExperiment(file, ...layers) : null;
    if (r === null) problems.push(`${name}: experiments[${i}]: no such file '${e}'`);
    else if (r.config === null) problems.push(...r.problems);
    else configs.push(r.config);
  }
  const methods = [...new Set(configs.map((c) => c.method))];
  const compare = suite.compare ?? DEFAULT_COMPARE;
  if (!Object.hasOwn(METHODS, compare) || (configs.length === suite.experiments.length && !methods.includes(compare))) {
    const what = suite.compare === undefined ? `(default '${DEFAULT_COMPARE}')` : `'${compare}'`;
    problems.push(`${name}: compare: ${what} is not a method of the suite's experiments (${methods.join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return { suite, configs };
}

/**
 * The run ids a suite would produce (by seed, in suite order) with the current experiment files,
 * profile and pipeline version: a results folder whose runs have other ids was made with other
 * settings (an older generator, a changed experiment file) and must not be read as this suite's.
 */
export function expectedRunIds(suiteFile: string, profile: string, seeds: number): string[][] {
  return Array.from({ length: seeds }, (_, seed) => loadSuite(suiteFile, profile, seed).configs.map(runIdOf));
}

/** Constant (training mean) and prompt-length (least squares on train) predictors. */
function trivialBaselines(cfg: ExperimentConfig, samples: number): TrivialBaseline[] {
  const data = experimentData(cfg);
  const jt = new JudgeTokens(loadModelTokenizer(resolve(cfg.model)));
  const len = (p: string) => jt.prompt(p).length;
  const xs = data.train.map((e) => len(e.prompt));
  const ys = data.train.map((e) => e.label);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope =
    xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) /
    Math.max(
      1e-12,
      xs.reduce((s, x) => s + (x - mx) ** 2, 0),
    );
  const out = [
    { name: 'mean of train labels', predict: () => my },
    { name: 'prompt length (least squares)', predict: (p: string) => my + slope * (len(p) - mx) },
  ];
  return out.map(({ name, predict }) => ({
    name,
    splits: Object.fromEntries(
      SPLITS.map((split) => {
        const ex = split === IN_DOMAIN ? data.test : data.testOod;
        return [
          split,
          splitMetrics(
            ex.map((e) => predict(e.prompt)),
            ex.map((e) => e.label),
            samples,
            `trivial/${split}`,
          ),
        ];
      }),
    ),
  }));
}

/** The result of {@link runSuite}. */
export interface SuiteRunResult {
  /** Runs by seed, each in suite order. */
  runs: RunSummary[][];
  /** The results table and the paired-bootstrap verdicts, as data (`report/suiteTables.ts` writes them). */
  tables: SuiteTables;
  /** The folder summary.json was written to. */
  outDir: string;
}

/**
 * Runs a suite (every experiment of every seed; cached steps are reused), writes its `summary.json`
 * to `outDir`, and returns its runs and tables.
 */
export async function runSuite(opts: SuiteOptions): Promise<SuiteRunResult> {
  return withResultsLock(opts, () => runSuiteLocked(opts));
}

/** Runs `f` while this process holds the results folder's lock. */
async function withResultsLock<T>(opts: SuiteOptions, f: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(opts.resultsDir, {
    wait: opts.wait,
    log: opts.log,
    command: `tract run ${opts.suiteFile}`,
  });
  try {
    return await f();
  } finally {
    lock.release();
  }
}

/**
 * The items with the keys of their steps still to compute (`pipeline.ts` pendingKeys), so that jobs are linked
 * only by steps not cached yet. An item whose seed model cannot be read keeps none (the run reports it).
 */
function withPending(items: JobItem[], resultsDir: string): JobItem[] {
  const digests = new Map<string, string | null>();
  const digestOf = (path: string): string | null => {
    if (!digests.has(path)) {
      try {
        digests.set(path, modelDigest(path));
      } catch {
        digests.set(path, null);
      }
    }
    return digests.get(path) ?? null;
  };
  return items.map((item) => {
    const digest = digestOf(resolve(item.cfg.model));
    return digest === null ? item : { ...item, pending: pendingKeys(item.cfg, resultsDir, digest) };
  });
}

/**
 * Runs one seed of a suite: its experiments' cached steps and run folders, but no summary, tables or
 * shift measurement (`opts.seeds` and `opts.outDir` are not used). Long multi-seed work is split this
 * way into parts that each finish on their own; {@link runSuite} with `seeds` > `seed` then reuses them.
 * @returns the runs of that seed, in suite order
 */
export async function runSuiteSeed(opts: SuiteOptions, seed: number): Promise<RunSummary[]> {
  return withResultsLock(opts, async () => {
    const items = withPending(
      loadSuite(opts.suiteFile, opts.profile, seed).configs.map((cfg) => ({ seed, cfg })),
      opts.resultsDir,
    );
    const plan = planJobs(items, opts.jobs, opts.backend?.wasm?.threads ?? 1);
    return runJobs(items, plan, opts.profile, opts);
  });
}

/**
 * The timing fields of the `summary.json` in `outDir` when it lists exactly `runs` (same seeds and run
 * ids) and records a time; otherwise null.
 */
function previousTiming(
  outDir: string,
  runs: readonly SuiteRunEntry[],
): Pick<SuiteSummary, 'wallSeconds' | 'jobs' | 'threads'> | null {
  if (!existsSync(summaryFile(outDir))) return null;
  let s: SuiteSummary;
  try {
    s = readSuiteSummary(outDir);
  } catch {
    return null; // an unreadable summary is rewritten
  }
  const ids = (rs: readonly SuiteRunEntry[]) => JSON.stringify(rs.map((r) => [r.seed, r.runId]));
  if (s.wallSeconds === undefined || ids(s.runs) !== ids(runs)) return null;
  return { wallSeconds: s.wallSeconds, jobs: s.jobs, threads: s.threads };
}

/**
 * The item whose run `suiteShift` will measure, picked from the first seed's configs as it picks from the runs
 * (`distributionShift.ts` shiftRunIndex); -1 when there is none.
 */
export function shiftItemOf(items: readonly JobItem[], compare: string): number {
  const first = items.filter((it) => it.seed === items[0]?.seed); // items are in seed order
  return shiftRunIndex(
    first.map((it) => it.cfg.method),
    compare,
  );
}

/** {@link runSuite} once the results folder is locked. */
async function runSuiteLocked(opts: SuiteOptions): Promise<SuiteRunResult> {
  const t0 = Date.now();
  let compare = 'tract';
  let firstCfg: ExperimentConfig | null = null;
  const items: JobItem[] = [];
  for (let s = 0; s < opts.seeds; s++) {
    const { suite, configs } = loadSuite(opts.suiteFile, opts.profile, s);
    compare = suite.compare ?? 'tract';
    firstCfg ??= configs[0];
    items.push(...configs.map((cfg) => ({ seed: s, cfg })));
  }
  const plan = planJobs(withPending(items, opts.resultsDir), opts.jobs, opts.backend?.wasm?.threads ?? 1);
  const shiftItem = shiftItemOf(items, compare);
  const summaries = await runJobs(items, plan, opts.profile, { ...opts, ...(shiftItem >= 0 ? { shiftItem } : {}) });
  const runsBySeed: RunSummary[][] = Array.from({ length: opts.seeds }, (_, s) =>
    summaries.filter((_, i) => items[i].seed === s),
  );
  const samples = (firstCfg as ExperimentConfig).eval.bootstrapSamples;
  const trivial = trivialBaselines(firstCfg as ExperimentConfig, samples);
  const tables = buildTables(runsBySeed, trivial, compare, opts.profile, samples);
  // the distribution shift TRACT is about, on training inputs (first seed)
  const shift = await suiteShift(runsBySeed[0], compare, opts.resultsDir, readShiftFile(opts.outDir), opts.log);
  if (shift) writeShiftFile(opts.outDir, shift);
  const runs = runsBySeed.flatMap((rs, seed) =>
    rs.map((r) => ({ seed, method: r.metrics.method, runId: r.runId, dir: r.dir })),
  );
  // the time, jobs and threads of the computation: a rerun that computed nothing and lists the same runs
  // keeps those of the summary it finds (as a fully reused run keeps its env.json)
  const timing = { wallSeconds: (Date.now() - t0) / 1000, jobs: plan.jobs, threads: plan.threads };
  const previous = summaries.every((r) => r.computed === false) ? previousTiming(opts.outDir, runs) : null;
  writeSuiteSummary(opts.outDir, {
    profile: opts.profile,
    seeds: opts.seeds,
    suite: opts.suiteFile,
    compare,
    runs,
    ...(previous ?? timing),
  });
  return { runs: runsBySeed, tables, outDir: opts.outDir };
}
