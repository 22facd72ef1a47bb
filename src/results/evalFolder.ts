/**
 * The run folder of a benchmark evaluation (`results/runs/eval-<benchmark>-<hash>/`), its writer and
 * reader: `config.resolved.json` (what identifies the run), `env.json`, `predictions.jsonl` (and,
 * while judging, `predictions.partial.jsonl`, appended chunk by chunk) and `metrics.json`
 * ({@link BenchmarkMetrics}).
 *
 * @module results/evalFolder
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJson } from '../io/json';
import { appendJsonl, readResumable } from '../io/jsonl';
import type { BenchmarkMetrics, Prediction } from './formats';
import { readPredictions } from './runFolder';

/** The files of an evaluation folder. */
export function evalFiles(dir: string): { config: string; env: string; predictions: string; partial: string; metrics: string } {
  return {
    config: join(dir, 'config.resolved.json'),
    env: join(dir, 'env.json'),
    predictions: join(dir, 'predictions.jsonl'),
    partial: join(dir, 'predictions.partial.jsonl'),
    metrics: join(dir, 'metrics.json'),
  };
}

/** A complete evaluation read back, or null when its predictions or metrics are missing. */
export function readEvalRun(dir: string): { metrics: BenchmarkMetrics; predictions: Prediction[] } | null {
  const f = evalFiles(dir);
  if (!existsSync(f.predictions) || !existsSync(f.metrics)) return null;
  return { metrics: readJson<BenchmarkMetrics>(f.metrics), predictions: readPredictions(f.predictions) };
}

/** Starts (or continues) an evaluation folder: writes its config. */
export function startEvalRun(dir: string, config: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeJson(evalFiles(dir).config, config);
}

/**
 * The predictions judged so far: the final file when judging finished, else the whole chunks of
 * the partial file (a torn or incomplete last chunk is dropped, so the next chunk starts clean).
 */
export function judgedSoFar(dir: string, chunk: number): { predictions: Prediction[]; finished: boolean } {
  const f = evalFiles(dir);
  if (existsSync(f.predictions)) return { predictions: readPredictions(f.predictions), finished: true };
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
}
