/**
 * The experiment commands of the CLI: `tract run` (a suite of experiments) and `tract eval` (a
 * judge on benchmarks). Both first remove the temporaries that killed processes left in the
 * results folder, and check every argument before anything is computed or written.
 *
 * @module cli/experiments
 */
import { progressLog } from '../training/trainer';
import { existsSync, rmdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { CHAT_TEMPLATES } from '../data/chatTemplates';
import { EXTERNAL_BENCHMARKS, resolveBenchmark, SHIPPED_BENCHMARKS } from '../data/benchmarks';
import { describeBackend, initBackend } from '../engine/backend';
import { cleanDebris } from '../io/atomic';
import type { BenchmarkMetrics } from '../results/formats';
import { cacheDir, DEFAULT_RESULTS_DIR, suiteOutDir } from '../results/paths';
import { writeBenchmarkTables, writeSuiteTables } from '../report/tableFiles';
import { toMarkdown } from '../report/tables';
import { BENCHMARK_EVAL_DEFAULTS, benchmarkTable, evaluateBenchmark } from '../tract/benchmarkEval';
import { availableProfiles, CLI_PROFILE } from '../tract/profiles';
import { DEFAULT_SUITE, loadSuite, runSuite, runSuiteSeed } from '../tract/suite';
import { type CommandSpec, intOption, requireString, stringOption, UsageError, type Values } from './args';
import { evalSettings } from './evalOptions';
import { SAMPLING_OPTIONS } from './inference';

const ROOT = join(__dirname, '..', '..');

/**
 * Removes the temporaries of dead processes (`*.tmp-PID-*`, `*.partial-PID-*`, `*.old-PID-*`) from
 * a results folder and its `cache/stages`, `cache/selfcot`, `cache/eval` and `runs` folders (see
 * io/atomic.ts `cleanDebris`); returns the removed entries as paths. Creates nothing.
 */
export function cleanResultsDebris(resultsDir: string): string[] {
  const dirs = [
    resultsDir,
    join(cacheDir(resultsDir), 'stages'),
    join(cacheDir(resultsDir), 'selfcot'),
    join(cacheDir(resultsDir), 'eval'),
    join(resultsDir, 'runs'),
  ];
  return dirs.flatMap((dir) => cleanDebris(dir).map((name) => join(dir, name)));
}

/** Cleans a results folder (see {@link cleanResultsDebris}) and says so in one line when it removed anything. */
function cleanAndReport(resultsDir: string): void {
  const removed = cleanResultsDebris(resultsDir);
  if (removed.length === 0) return;
  const shown = removed.slice(0, 5).join(', ') + (removed.length > 5 ? `, ... (${removed.length - 5} more)` : '');
  console.error(
    `removed ${removed.length} stale temporar${removed.length === 1 ? 'y' : 'ies'} of dead processes: ${shown}`,
  );
}

/**
 * Runs `work`, and when it fails removes the folders it left empty between `dir` and the outermost
 * of its ancestors that did not exist before (e.g. a results folder made only to hold a lock): a
 * command that fails before writing anything leaves no folder behind. Non-empty folders stay.
 */
export async function withoutEmptyLeftovers<T>(dir: string, work: () => Promise<T>): Promise<T> {
  let top: string | null = null;
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) top = d;
  try {
    return await work();
  } catch (err) {
    if (top !== null) {
      for (let d = resolve(dir); d.length >= top.length; d = dirname(d)) {
        try {
          rmdirSync(d); // only when empty
        } catch {
          break;
        }
      }
    }
    throw err;
  }
}

/** `tract run`. */
export const runCommand: CommandSpec = {
  summary: 'run a suite of experiments (cached steps are reused) and write its tables',
  options: {
    suite: { value: 'FILE', help: `suite file (default ${DEFAULT_SUITE})` },
    profile: {
      value: 'NAME',
      help: `how long to train: full or experiments/profiles/<NAME>.json, e.g. quick, ci (default ${CLI_PROFILE})`,
    },
    seeds: { value: 'N', help: 'run every experiment with seeds 0..N-1 and report mean ± sd (default 1)' },
    seed: {
      value: 'K',
      help: 'run only seed K (run folders and cache, no tables), to split long --seeds work into parts',
    },
    jobs: { value: 'N', help: 'experiments run at once in worker processes (default: the cores; 1: in this process)' },
    results: { value: 'DIR', help: `results folder: runs and step cache (default ${DEFAULT_RESULTS_DIR})` },
    out: { value: 'DIR', help: 'folder of the summary and tables (default <results>/<suite>[-<profile>])' },
    'reuse-runs': {
      help: 'reuse complete run folders whose stage keys match, without their cached steps (a fresh clone)',
    },
    'no-wait': { help: 'fail at once when another run holds the results folder (default: wait for it)' },
  },
  suggest(arg) {
    if (/\.json$/.test(arg)) return `--suite ${arg}`;
    if (availableProfiles(join(ROOT, 'experiments')).includes(arg)) return `--profile ${arg}`;
    if (/^\d+$/.test(arg)) return `--seeds ${arg}`;
    return existsSync(arg) ? `--suite ${arg}` : undefined;
  },
  async run(values) {
    const suiteFile = stringOption(values, 'suite') ?? DEFAULT_SUITE;
    const profile = stringOption(values, 'profile') ?? CLI_PROFILE;
    const seeds = intOption(values, 'seeds', 1) ?? 1;
    const onlySeed = intOption(values, 'seed', 0);
    if (onlySeed !== undefined && values.seeds !== undefined) {
      throw new UsageError('--seed K runs one seed and --seeds N writes the tables of N seeds: give one of them');
    }
    const jobs = intOption(values, 'jobs', 1) ?? availableParallelism();
    const resultsDir = stringOption(values, 'results') ?? DEFAULT_RESULTS_DIR;
    const out = stringOption(values, 'out') ?? suiteOutDir(suiteFile, profile, resultsDir);
    try {
      loadSuite(suiteFile, profile, 0); // check the files before anything starts
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    cleanAndReport(resultsDir);
    const report = await initBackend();
    console.error(describeBackend(report));
    const t0 = Date.now();
    const log = (line: string) => console.error(line);
    const wait = !values['no-wait'];
    // training progress every logEvery steps, from this process or (tagged with the job) from its workers
    const trainLog = progressLog;
    const reuseRunFolders = values['reuse-runs'] === true;
    const suite = {
      ...{ suiteFile, profile, seeds, resultsDir, outDir: out, backend: report, log, trainLog, jobs, wait },
      reuseRunFolders,
    };
    if (onlySeed !== undefined) {
      const runs = await withoutEmptyLeftovers(resultsDir, () => runSuiteSeed(suite, onlySeed));
      const minutes = ((Date.now() - t0) / 60000).toFixed(1);
      console.log(`\nseed ${onlySeed} of ${suiteFile} done after ${minutes} min; run folders:`);
      for (const r of runs) console.log(`  ${r.metrics.method}: ${r.dir}`);
      console.log(`tables: tract run --seeds N (N > ${onlySeed}) reuses these runs and writes them`);
      return;
    }
    const res = await withoutEmptyLeftovers(resultsDir, () => runSuite(suite));
    const table = writeSuiteTables(out, res.tables);
    const minutes = ((Date.now() - t0) / 60000).toFixed(1);
    console.log(`\nresults table: ${table} (also table.csv, table.tex, verdicts.csv) after ${minutes} min`);
    console.log(`summary: ${join(out, 'summary.json')}`);
    console.log('run folders:');
    res.runs.forEach((runs, seed) => {
      for (const r of runs) console.log(`  ${r.metrics.method} (seed ${seed}): ${r.dir}`);
    });
  },
};

/** Checks the `--benchmark` values (shipped names or existing files); at least one is required. */
function checkBenchmarks(values: Values): string[] {
  const benchmarks = (values.benchmark as string[] | undefined) ?? [];
  if (benchmarks.length === 0) {
    throw new UsageError('--benchmark is required (vicuna, mt-bench, or a Prometheus-format file; repeat for several)');
  }
  for (const b of benchmarks) {
    if (b === '') throw new UsageError('--benchmark must not be empty');
    try {
      resolveBenchmark(b, ROOT);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return benchmarks;
}

const d = BENCHMARK_EVAL_DEFAULTS;

/** `tract eval`. */
export const evalCommand: CommandSpec = {
  summary: 'evaluate a judge on benchmarks (one resumable run folder per benchmark, and a table)',
  options: {
    model: { value: 'DIR', help: 'the judge: a model folder (Hugging Face, our checkpoints, llama2.c) or .bin file' },
    benchmark: { value: 'NAME|FILE', multiple: true, help: 'vicuna, mt-bench, or a Prometheus-format file' },
    decoding: { value: 'MODE', help: `reported readout: cot-rail or standard (default ${d.decoding})` },
    'n-cot': { value: 'N', help: `CoTs sampled per record, >= 1 (default ${d.nCot})` },
    'chat-template': { value: 'NAME', help: `auto, ${CHAT_TEMPLATES.join(', ')} (default ${d.chatTemplate})` },
    'max-new-tokens': { value: 'N', help: `CoT length at most, >= 1 (default ${d.maxNewTokens})` },
    ...SAMPLING_OPTIONS,
    seed: { value: 'S', help: `seed of the sampling, an integer >= 0 (default ${d.seed})` },
    'batch-size': { value: 'B', help: `records judged per chunk, >= 1 (default ${d.batchSize})` },
    limit: { value: 'N', help: 'judge only the first N records (smoke runs)' },
    'max-prompt-tokens': { value: 'N', help: "prompt budget, >= 16 (default: the model's context minus the CoT)" },
    samples: { value: 'N', help: `bootstrap samples of the intervals, >= 10 (default ${d.bootstrapSamples})` },
    lenient: { help: 'skip and count malformed records instead of failing' },
    'no-wait': { help: 'fail at once when another run holds the results folder (default: wait for it)' },
    results: { value: 'DIR', help: `results folder of the run folders (default ${d.resultsDir})` },
    out: { value: 'DIR', help: 'folder of the table (default <results>/eval-<model folder name>)' },
  },
  suggest(arg) {
    const benchmark = arg in SHIPPED_BENCHMARKS || arg in EXTERNAL_BENCHMARKS || /\.jsonl?$/.test(arg);
    if (benchmark) return `--benchmark ${arg}`;
    return existsSync(arg) ? `--model ${arg}` : undefined;
  },
  async run(values) {
    const modelPath = requireString(values, 'model');
    if (!existsSync(modelPath)) throw new UsageError(`--model: ${modelPath}: no such file or folder`);
    const benchmarks = checkBenchmarks(values);
    const opts = { model: modelPath, ...evalSettings(values), wait: !values['no-wait'] };
    const out = stringOption(values, 'out') ?? join(opts.resultsDir, `eval-${basename(resolve(modelPath))}`);
    if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is not a folder`);
    cleanAndReport(opts.resultsDir);
    const report = await initBackend();
    console.error(describeBackend(report));
    const runs: { metrics: BenchmarkMetrics; dir: string }[] = [];
    await withoutEmptyLeftovers(opts.resultsDir, async () => {
      for (const benchmark of benchmarks) {
        const log = (line: string) => console.error(line);
        const res = await evaluateBenchmark({ ...opts, benchmark, backend: report, log });
        const m = res.metrics;
        const r = m[m.primary].pearson.toFixed(3);
        console.log(`${m.benchmark}: ${res.dir} (r ${r}, ${m.judged} records, ${m.seconds.toFixed(0)} s)`);
        runs.push({ metrics: m, dir: res.dir });
      }
    });
    for (const run of runs) writeBenchmarkTables([run.metrics], run.dir, { all: false });
    const metrics = runs.map((run) => run.metrics);
    const table = writeBenchmarkTables(metrics, out);
    console.log(`\n${toMarkdown(benchmarkTable(metrics))}\ntable: ${table} (also table.csv, table.tex)`);
  },
};
