/**
 * Where results live under a results folder (default `results/`), defined once:
 *
 * ```
 * results/
 *   runs/<runId>/                 one run: see results/runFolder.ts
 *   <suite>[-<profile>]/          one suite: summary.json and the tables (results/suiteFolder.ts)
 *   cache/stages/<key>/           a trained stage: stage.json, train-log.csv, model/, checkpoint/
 *   cache/selfcot/<key>.jsonl     the self-CoTs of a stage-1 model
 *   cache/eval/<key>/             an evaluation: predictions.jsonl
 *   cache/shift/<key>.json        a distribution-shift measurement (shift.json of the suites that share it)
 * ```
 *
 * @module results/paths
 */
import { basename, join } from 'node:path';

/** The results folder `tract run` and the notebooks use unless told otherwise. */
export const DEFAULT_RESULTS_DIR = 'results';

/** The step cache of a results folder. */
export function cacheDir(resultsDir: string): string {
  return join(resultsDir, 'cache');
}

/** The folder of a trained stage. */
export function stageDir(resultsDir: string, key: string): string {
  return join(cacheDir(resultsDir), 'stages', key);
}

/** The model a stage trained (a checkpoint folder). */
export function stageModelDir(resultsDir: string, key: string): string {
  return join(stageDir(resultsDir, key), 'model');
}

/** The self-CoT cache file of a key. */
export function selfCotFile(resultsDir: string, key: string): string {
  return join(cacheDir(resultsDir), 'selfcot', `${key}.jsonl`);
}

/** The folder of a cached evaluation. */
export function evalDir(resultsDir: string, key: string): string {
  return join(cacheDir(resultsDir), 'eval', key);
}

/** The cached distribution-shift measurement of a key (`tract/distributionShift.ts` suiteShift). */
export function shiftCacheFile(resultsDir: string, key: string): string {
  return join(cacheDir(resultsDir), 'shift', `${key}.json`);
}

/** The folder of a run. */
export function runDir(resultsDir: string, runId: string): string {
  return join(resultsDir, 'runs', runId);
}

/**
 * Where a suite's summary and tables go: `<results>/<suite>` for the quick profile,
 * `<results>/<suite>-<profile>` otherwise.
 */
export function suiteOutDir(suiteFile: string, profile: string, resultsDir = DEFAULT_RESULTS_DIR): string {
  const name = basename(suiteFile).replace(/\.json$/, '');
  return join(resultsDir, profile === 'quick' ? name : `${name}-${profile}`);
}
