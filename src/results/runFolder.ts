/**
 * The run folder (`results/runs/<runId>/`), its one writer and its one reader:
 *
 * | file | content |
 * |---|---|
 * | `config.resolved.json` | the resolved experiment ({@link ExperimentConfig}) |
 * | `env.json` | the process that computed the run (commit, backend, versions, date) |
 * | `metrics.json` | {@link RunMetrics} |
 * | `predictions.jsonl` | one {@link Prediction} per judged example |
 * | `train-log.csv` | `stage,` + the trainer's columns, one row per logged step of each stage |
 * | `stages.json` | the stages ({@link StageRecord}) |
 *
 * Errors name the file, and the record and field where there is one.
 *
 * @module results/runFolder
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJson, writeJson } from '../io/json';
import { readJsonl, writeJsonl } from '../io/jsonl';
import { writeFileAtomic } from '../io/atomic';
import {
  SPLITS,
  type ExperimentConfig,
  type Prediction,
  type RunMetrics,
  type RunSummary,
  type StageRecord,
} from './formats';

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

/** A run read from its folder: the summary and its training log. */
export interface RunData extends RunSummary {
  trainLog: TrainLogRecord[];
}

/** What {@link writeRunFolder} writes. */
export interface RunFolderContent {
  config: ExperimentConfig;
  /** Written only when given (a rerun that computed nothing keeps the env.json of the computation). */
  env?: Record<string, unknown>;
  metrics: RunMetrics;
  predictions: readonly Prediction[];
  /** Each stage's `train-log.csv` text (as the trainer writes it), in stage order. */
  stageLogs: { stage: string; csv: string }[];
  stages: StageRecord[];
}

/** The run's `train-log.csv`: the stages' logs joined, with a leading `stage` column. */
export function runTrainLogCsv(stageLogs: { stage: string; csv: string }[]): string {
  const lines: string[] = [];
  for (const { stage, csv } of stageLogs) {
    const rows = csv.trim().split('\n');
    if (lines.length === 0) lines.push(`stage,${rows[0]}`);
    for (const line of rows.slice(1)) lines.push(`${stage},${line}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : 'stage\n';
}

/** Writes a run folder (each file atomically). */
export function writeRunFolder(dir: string, run: RunFolderContent): void {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, 'config.resolved.json'), run.config);
  if (run.env) writeJson(join(dir, 'env.json'), run.env);
  writeJson(join(dir, 'metrics.json'), run.metrics);
  writeJsonl(join(dir, 'predictions.jsonl'), run.predictions);
  writeFileAtomic(join(dir, 'train-log.csv'), runTrainLogCsv(run.stageLogs));
  writeJson(join(dir, 'stages.json'), run.stages);
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
    if (cells.length !== head.length) {
      throw new Error(`${file}: line ${i + 2} has ${cells.length} fields, the header has ${head.length}`);
    }
    const columns: Record<string, number> = {};
    head.forEach((h, j) => {
      if (j > 0) columns[h] = cells[j].trim() === '' ? NaN : Number(cells[j]);
    });
    if (!Number.isFinite(columns.step)) {
      throw new Error(`${file}: line ${i + 2}: step '${cells[head.indexOf('step')]}' is not a number`);
    }
    return { stage: cells[0], step: columns.step, loss: columns.loss, ce: columns.ce, score: columns.score, columns };
  });
}

/** Reads a run's `train-log.csv` (see {@link parseTrainLog}). */
export function readTrainLog(file: string): TrainLogRecord[] {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  return parseTrainLog(readFileSync(file, 'utf8'), file);
}

/** Checks the fields of `metrics.json` that tables and figures read. */
export function checkMetrics(m: RunMetrics, file: string): void {
  if (typeof m.method !== 'string') throw new Error(`${file}: field 'method' missing or not a string`);
  if (m.primary !== 'rail' && m.primary !== 'standard') {
    throw new Error(`${file}: field 'primary' is ${JSON.stringify(m.primary)}, expected 'rail' or 'standard'`);
  }
  if (!m.splits || typeof m.splits !== 'object') throw new Error(`${file}: field 'splits' missing`);
  if (!Array.isArray(m.stages)) throw new Error(`${file}: field 'stages' missing or not a list`);
  for (const split of SPLITS) {
    const s = m.splits[split]?.[m.primary];
    if (!s) throw new Error(`${file}: field 'splits.${split}.${m.primary}' missing`);
    for (const k of ['pearson', 'pearsonLo', 'pearsonHi'] as const) {
      // NaN is written to JSON as null
      if (typeof s[k] !== 'number' && s[k] !== null) {
        throw new Error(`${file}: field 'splits.${split}.${m.primary}.${k}' is not a number`);
      }
    }
  }
}

/** Checks one record of `predictions.jsonl`; `i` is its 0-based index. */
export function checkPrediction(p: Prediction, file: string, i: number): void {
  const where = `${file}: record ${i + 1}`;
  if (typeof p.id !== 'string') throw new Error(`${where}: field 'id' missing or not a string`);
  if (typeof p.split !== 'string') throw new Error(`${where}: field 'split' missing`);
  if (typeof p.gold !== 'number') throw new Error(`${where}: field 'gold' missing or not a number`);
  if (typeof p.rail !== 'number') throw new Error(`${where}: field 'rail' missing or not a number`);
  if (p.standard !== null && typeof p.standard !== 'number') {
    throw new Error(`${where}: field 'standard' must be a number or null`);
  }
  if (!Array.isArray(p.readouts) || p.readouts.length === 0 || !p.readouts.every((r) => Array.isArray(r.probs))) {
    throw new Error(`${where}: field 'readouts' must list readouts with 'probs'`);
  }
}

/** Reads and checks a `predictions.jsonl` file. */
export function readPredictions(file: string): Prediction[] {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  const predictions = readJsonl<Prediction>(file);
  predictions.forEach((p, i) => {
    checkPrediction(p, file, i);
  });
  return predictions;
}

/** Reads and checks a run's `metrics.json`. */
export function readRunMetrics(dir: string): RunMetrics {
  const file = join(dir, 'metrics.json');
  const metrics = readJson<RunMetrics>(file);
  checkMetrics(metrics, file);
  return metrics;
}

/**
 * Renames the stage cache keys a run folder records (in metrics.json and stages.json) by `rename`, as after the
 * step cache was rekeyed (`tools/rekey_cache.ts`); every other field is kept as it is.
 * @returns how many stage records changed (0: nothing written)
 */
export function renameRunStageKeys(dir: string, rename: ReadonlyMap<string, string>): number {
  const metrics = readRunMetrics(dir);
  let changed = 0;
  const stages = metrics.stages.map((s) => {
    const key = rename.get(s.key);
    if (key === undefined || key === s.key) return s;
    changed++;
    return { ...s, key };
  });
  if (changed > 0) {
    writeJson(join(dir, 'metrics.json'), { ...metrics, stages });
    writeJson(join(dir, 'stages.json'), stages);
  }
  return changed;
}

/** Reads a run's `config.resolved.json`, checking the fields labels and tables read. */
export function readRunConfig(dir: string): ExperimentConfig {
  const file = join(dir, 'config.resolved.json');
  const config = readJson<ExperimentConfig>(file);
  if (typeof config.objective?.lambda !== 'number') {
    throw new Error(`${file}: field 'objective.lambda' missing or not a number`);
  }
  if (typeof config.eval?.nCot !== 'number') throw new Error(`${file}: field 'eval.nCot' missing or not a number`);
  return config;
}

/** The files a complete run folder has. */
export const RUN_FILES = ['config.resolved.json', 'metrics.json', 'predictions.jsonl', 'train-log.csv'] as const;

/** Why a run folder is incomplete, or null when it has every file of {@link RUN_FILES}. */
export function runFolderProblem(dir: string): string | null {
  const missing = RUN_FILES.filter((f) => !existsSync(join(dir, f)));
  return missing.length ? `${dir}: no ${missing.join(', ')}` : null;
}

/**
 * Reads a run folder: metrics.json, predictions.jsonl, train-log.csv, config.resolved.json, checked.
 * Errors name the file and the field.
 */
export function readRunFolder(dir: string): RunData {
  const metrics = readRunMetrics(dir);
  const predictions = readPredictions(join(dir, 'predictions.jsonl'));
  const trainLog = readTrainLog(join(dir, 'train-log.csv'));
  const config = readRunConfig(dir);
  const runId = resolve(dir).split(/[\\/]/).pop() as string;
  return { dir, runId, metrics, predictions, trainLog, config };
}
