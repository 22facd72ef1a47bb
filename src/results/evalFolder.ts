/**
 * The run folder of a benchmark evaluation (`results/runs/eval-<benchmark>-<hash>/`), its writer and
 * reader: `config.resolved.json` (what identifies the run), `env.json`, `predictions.jsonl` (and,
 * while judging, `predictions.partial.jsonl`, appended chunk by chunk) and `metrics.json`
 * ({@link BenchmarkMetrics}).
 *
 * @module results/evalFolder
 */
import { existsSync, mkdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readJson, writeJson } from '../io/json';
import { appendJsonl, readJsonl, readResumable } from '../io/jsonl';
import { manifestProblem, writeManifest } from '../io/manifest';
import type { BenchmarkMetrics, Prediction } from './formats';
import { readPredictions } from './runFolder';

/** The files of an evaluation folder. */
export function evalFiles(dir: string): {
  config: string;
  env: string;
  predictions: string;
  partial: string;
  metrics: string;
  manifest: string;
} {
  return {
    manifest: join(dir, 'manifest.json'),
    config: join(dir, 'config.resolved.json'),
    env: join(dir, 'env.json'),
    predictions: join(dir, 'predictions.jsonl'),
    partial: join(dir, 'predictions.partial.jsonl'),
    metrics: join(dir, 'metrics.json'),
  };
}

/**
 * A complete evaluation read back: its manifest (written last) matches predictions.jsonl and
 * metrics.json and counts `records` predictions. Otherwise null; a finished-looking but damaged
 * entry (cut, edited, or missing its manifest) is reported through `onDamaged` and its results are
 * removed, so the caller judges again.
 */
export function readEvalRun(
  dir: string,
  records: number,
  onDamaged: (why: string) => void,
): { metrics: BenchmarkMetrics; predictions: Prediction[] } | null {
  const f = evalFiles(dir);
  if (!existsSync(f.metrics) && !existsSync(f.manifest)) return null;
  const problem = manifestProblem(f.manifest, { records });
  if (!problem) return { metrics: readJson<BenchmarkMetrics>(f.metrics), predictions: readPredictions(f.predictions) };
  onDamaged(`damaged evaluation ${dir} (${problem}): judging it again`);
  for (const file of [f.manifest, f.metrics, f.predictions]) rmSync(file, { force: true });
  return null;
}

/**
 * Starts (or continues) an evaluation folder: writes its config. Returns the outermost folder it
 * created (`dir` or a parent), or null when `dir` existed; {@link discardEvalRun} takes it.
 */
export function startEvalRun(dir: string, config: Record<string, unknown>): string | null {
  const created = mkdirSync(dir, { recursive: true }) ?? null;
  writeJson(evalFiles(dir).config, config);
  return created;
}

/**
 * Undoes {@link startEvalRun} after a failure before anything was judged: removes `dir` when that
 * call created it and it holds no predictions, then the parents it created, while they are empty.
 */
export function discardEvalRun(dir: string, created: string | null): void {
  const f = evalFiles(dir);
  if (created === null || existsSync(f.partial) || existsSync(f.predictions)) return;
  rmSync(dir, { recursive: true, force: true });
  const top = resolve(created);
  for (let d = dirname(resolve(dir)); d.length >= top.length && d !== dirname(d); d = dirname(d)) {
    try {
      rmdirSync(d); // only when empty
    } catch {
      return;
    }
  }
}

/**
 * The predictions judged so far: the final file when judging finished, else the whole chunks of
 * the partial file (a torn or incomplete last chunk is dropped, so the next chunk starts clean).
 */
export function judgedSoFar(
  dir: string,
  chunk: number,
  total: number,
): { predictions: Prediction[]; finished: boolean } {
  const f = evalFiles(dir);
  if (existsSync(f.predictions)) {
    const predictions = readJsonl<Prediction>(f.predictions, { dropTornLastLine: true });
    if (predictions.length === total) return { predictions: readPredictions(f.predictions), finished: true };
    rmSync(f.predictions, { force: true }); // cut: judge again from the partial file
  }
  return { predictions: readResumable<Prediction>(f.partial, { unit: chunk }), finished: false };
}

/** Appends one judged chunk. */
export function appendJudged(dir: string, predictions: readonly Prediction[]): void {
  appendJsonl(evalFiles(dir).partial, predictions);
}

/** Marks judging finished: the partial file becomes `predictions.jsonl`. */
export function finishJudging(dir: string): void {
  const f = evalFiles(dir);
  renameSync(f.partial, f.predictions);
}

/** Writes the metrics and the environment of a finished evaluation. */
export function writeEvalResult(dir: string, metrics: BenchmarkMetrics, env: Record<string, unknown>): void {
  const f = evalFiles(dir);
  writeJson(f.metrics, metrics);
  writeJson(f.env, env);
  writeManifest(f.manifest, [f.predictions, f.metrics], { records: metrics.judged });
}
