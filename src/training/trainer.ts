/**
 * The trainer: batching, AdamW with warm-up + cosine, global-norm clipping, gradient accumulation,
 * periodic evaluation, atomic checkpoints and exact resume, a NaN guard, progress and
 * `train-log.csv`. It contains no loss math: the objective comes from `losses/objective.ts`.
 *
 * Resume: the data order is a pure function of (seed, epoch), so a checkpoint needs only the
 * trainable weights, the optimizer moments and the step; a rerun with the same `outDir` continues
 * where the last checkpoint left off.
 *
 * @module training/trainer
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { judgeObjective, type ObjectiveSpec } from '../losses/objective';
import type { LlamaModel } from '../model/llama';
import { SafetensorsFile, writeSafetensors, type RawTensor } from '../model/safetensors';
import { writeFileAtomic } from '../io/atomic';
import { collate, epochBatches, type TrainExample } from './batches';
import { AdamW, clipByGlobalNorm, learningRate } from './optimizer';
import type { RngState } from '../engine/rng';

/** Settings of one training run (defaults: TRACT's optimiser, scaled to small CPU runs). */
export interface TrainConfig {
  /** Optimizer steps (ignored when `epochs` > 0). */
  steps: number;
  /** Passes over the data; when > 0, steps = ceil(epochs · examples / (batchSize · gradAccum)). */
  epochs: number;
  batchSize: number;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  lr: number;
  /** Fraction of steps with linear warm-up (TRACT: 0.1). */
  warmupRatio: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Global gradient-norm clip (HF default 1.0; 0 = off). */
  maxGradNorm: number;
  /** Evaluate every N steps (0 = only at the end). */
  evalEvery: number;
  /** Checkpoint every N steps (0 = never; needs outDir). */
  checkpointEvery: number;
  /** Progress line every N steps when not on a terminal. */
  logEvery: number;
  seed: number | string;
  /** Batches sorted by length inside windows of this many batches. */
  bucketWindow: number;
}

export const DEFAULT_TRAIN: Readonly<TrainConfig> = Object.freeze({
  steps: 100,
  epochs: 0,
  batchSize: 16,
  gradAccum: 1,
  lr: 1e-3,
  warmupRatio: 0.1,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  maxGradNorm: 1,
  evalEvery: 0,
  checkpointEvery: 0,
  logEvery: 25,
  seed: 0,
  bucketWindow: 8,
});

/** One row of `train-log.csv`. */
export interface TrainLogRow {
  step: number;
  loss: number;
  ce: number;
  score: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  seconds: number;
  /** Evaluation metrics, on the rows where evaluation ran. */
  eval?: Record<string, number>;
}

/** What {@link train} needs. */
export interface TrainOptions {
  model: LlamaModel;
  examples: TrainExample[];
  pad: number;
  scoreTokenIds: readonly number[];
  objective: ObjectiveSpec;
  config: Partial<TrainConfig>;
  /** Folder for `checkpoint/` and `train-log.csv` (none: nothing written). */
  outDir?: string;
  /** Evaluation run every `evalEvery` steps and at the end. */
  evaluate?: (model: LlamaModel) => Record<string, number>;
  /** Name shown in progress lines. */
  label?: string;
  /** Where progress goes (default: stderr, one updating line on a terminal). */
  log?: (line: string, final: boolean) => void;
  /** Stop after this many steps in this call (to test resume). */
  stopAfter?: number;
}

export interface TrainResult {
  steps: number;
  /** Step the run resumed from (0 for a fresh run). */
  resumedFrom: number;
  rows: TrainLogRow[];
  finalLoss: number;
  seconds: number;
}

/** Fills defaults and checks every field; unknown keys are an error. */
export function resolveTrainConfig(overrides: Partial<TrainConfig>): TrainConfig {
  for (const k of Object.keys(overrides)) if (!(k in DEFAULT_TRAIN)) throw new Error(`train config: unknown key '${k}'`);
  const c = { ...DEFAULT_TRAIN, ...overrides };
  for (const k of ['steps', 'batchSize', 'gradAccum', 'logEvery', 'bucketWindow'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`train config: ${k} must be a positive integer, got ${c[k]}`);
  }
  for (const k of ['evalEvery', 'checkpointEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`train config: ${k} must be an integer >= 0, got ${c[k]}`);
  }
  if (!(c.epochs >= 0)) throw new Error(`train config: epochs must be >= 0, got ${c.epochs}`);
  if (!(c.lr > 0)) throw new Error(`train config: lr must be > 0, got ${c.lr}`);
  if (!(c.warmupRatio >= 0 && c.warmupRatio < 1)) throw new Error(`train config: warmupRatio must be in [0, 1), got ${c.warmupRatio}`);
  return c;
}

const CSV_COLUMNS = ['step', 'loss', 'ce', 'score', 'lr', 'gradNorm', 'tokensPerSec', 'seconds'] as const;

/** `train-log.csv` text: the fixed columns, then every evaluation metric seen. */
export function trainLogCsv(rows: TrainLogRow[]): string {
  const evalKeys = [...new Set(rows.flatMap((r) => Object.keys(r.eval ?? {})))].sort();
  const lines = [[...CSV_COLUMNS, ...evalKeys.map((k) => `eval_${k}`)].join(',')];
  for (const r of rows) lines.push([...CSV_COLUMNS.map((k) => String(r[k])), ...evalKeys.map((k) => (r.eval?.[k] ?? '').toString())].join(','));
  return `${lines.join('\n')}\n`;
}

function fingerprint(opts: TrainOptions, config: TrainConfig): string {
  const ids = createHash('sha256');
  for (const e of opts.examples) ids.update(e.id).update(String(e.inputIds.length));
  return createHash('sha256').update(JSON.stringify({ config, objective: opts.objective, data: ids.digest('hex') })).digest('hex').slice(0, 16);
}

function defaultLog(line: string, final: boolean): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

interface CheckpointState {
  fingerprint: string;
  step: number;
  rows: TrainLogRow[];
  /** LoRA dropout stream, when adapters with dropout train. */
  loraRng?: RngState;
}

function saveTrainingCheckpoint(dir: string, vars: tf.Variable[], opt: AdamW, state: CheckpointState): void {
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const weights = new Map<string, RawTensor>();
  vars.forEach((v, i) => weights.set(`var.${i}`, { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() }));
  writeSafetensors(join(partial, 'weights.safetensors'), weights);
  const s = opt.state();
  const moments = new Map<string, RawTensor>();
  s.m.forEach((d, i) => moments.set(`m.${i}`, { shape: [...vars[i].shape], data: d }));
  s.v.forEach((d, i) => moments.set(`v.${i}`, { shape: [...vars[i].shape], data: d }));
  writeSafetensors(join(partial, 'optimizer.safetensors'), moments, { step: String(s.step) });
  writeFileAtomic(join(partial, 'state.json'), JSON.stringify(state));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
}

function loadTrainingCheckpoint(dir: string, vars: tf.Variable[], opt: AdamW, expected: string): CheckpointState | null {
  if (!existsSync(join(dir, 'state.json'))) return null;
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  if (state.fingerprint !== expected) {
    throw new Error(`${dir}: checkpoint belongs to a different run (config or data changed); delete it or use another output folder`);
  }
  const weights = new SafetensorsFile(join(dir, 'weights.safetensors'));
  vars.forEach((v, i) => {
    const raw = weights.read(`var.${i}`);
    if (raw.shape.join(',') !== v.shape.join(',')) throw new Error(`${weights.path}: var.${i} has shape [${raw.shape}], model has [${v.shape}]`);
    v.assign(tf.tensor(raw.data, raw.shape, 'float32'));
  });
  const moments = new SafetensorsFile(join(dir, 'optimizer.safetensors'));
  opt.load({
    step: Number(moments.metadata.step),
    m: vars.map((_, i) => moments.read(`m.${i}`).data as Float32Array),
    v: vars.map((_, i) => moments.read(`v.${i}`).data as Float32Array),
  });
  return state;
}

/**
 * Trains `model` in place on `examples` with the given objective.
 * @throws with the step number when the loss becomes NaN or infinite (the last checkpoint stays).
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const resolved = resolveTrainConfig(opts.config);
  const { model, examples, objective } = opts;
  const config = resolved.epochs > 0
    ? { ...resolved, steps: Math.max(1, Math.ceil((resolved.epochs * examples.length) / (resolved.batchSize * resolved.gradAccum))) }
    : resolved;
  const label = opts.label ?? 'train';
  const log = opts.log ?? defaultLog;
  const vars = model.trainableVariables();
  const opt = new AdamW(vars, { beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay });
  const warmup = Math.round(config.warmupRatio * config.steps);
  const fp = fingerprint(opts, config);
  const ckptDir = opts.outDir ? join(opts.outDir, 'checkpoint') : null;
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  let rows: TrainLogRow[] = [];
  let start = 0;
  if (ckptDir) {
    const state = loadTrainingCheckpoint(ckptDir, vars, opt, fp);
    if (state) {
      start = state.step;
      rows = state.rows;
      if (state.loraRng && model.lora) model.lora.setRngState(state.loraRng);
      log(`[${label}] resumed from the checkpoint at step ${start}`, true);
    }
  }
  const batchesPerEpoch = Math.ceil(examples.length / config.batchSize);
  let epochCache: { epoch: number; batches: TrainExample[][] } | null = null;
  const batchAt = (index: number) => {
    const epoch = Math.floor(index / batchesPerEpoch);
    if (epochCache?.epoch !== epoch) epochCache = { epoch, batches: epochBatches(examples, config.batchSize, config.seed, epoch, config.bucketWindow) };
    return epochCache.batches[index % batchesPerEpoch];
  };
  const t0 = performance.now();
  const priorSeconds = rows.length ? rows[rows.length - 1].seconds : 0;
  let tokensSeen = 0;
  let stepsThisCall = 0;
  try {
    for (let step = start; step < config.steps; step++) {
      if (opts.stopAfter !== undefined && stepsThisCall >= opts.stopAfter) break;
      const lr = learningRate(step, config.lr, warmup, config.steps);
      let sums = [0, 0, 0];
      let accumulated: tf.Tensor[] | null = null;
      for (let micro = 0; micro < config.gradAccum; micro++) {
        const batch = collate(batchAt(step * config.gradAccum + micro), opts.pad);
        tokensSeen += batch.tokens;
        const kept: tf.Scalar[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.forward(batch.ids, { attentionMask: batch.attention, training: true });
          const parts = judgeObjective(logits, batch, opts.scoreTokenIds, objective, step);
          kept.push(tf.keep(parts.ce), tf.keep(parts.score));
          return parts.total;
        }, vars);
        const values = [value, ...kept].map((t) => t.dataSync()[0]);
        sums = sums.map((s, i) => s + values[i] / config.gradAccum);
        tf.dispose([value, ...kept]);
        const g = vars.map((v) => grads[v.name]);
        if (accumulated === null) accumulated = g;
        else {
          const prev: tf.Tensor[] = accumulated;
          accumulated = prev.map((a, i) => tf.add(a, g[i]));
          tf.dispose([...prev, ...g]);
        }
      }
      const [loss, ce, score] = sums;
      if (!Number.isFinite(loss)) {
        tf.dispose(accumulated!);
        const kept = rows.length ? `the last checkpoint is kept${ckptDir ? ` in ${ckptDir}` : ''}` : 'no checkpoint was written';
        throw new Error(`[${label}] step ${step + 1}: loss is ${loss} (ce ${ce}, score ${score}); stopping (${kept}); try a lower lr or a lambda ramp`);
      }
      const scaled = config.gradAccum > 1 ? tf.tidy(() => accumulated!.map((a) => tf.div(a, config.gradAccum))) : accumulated!;
      if (scaled !== accumulated) tf.dispose(accumulated!);
      const { grads, norm } = clipByGlobalNorm(scaled, config.maxGradNorm);
      opt.apply(grads, lr);
      tf.dispose(grads);
      stepsThisCall++;
      const seconds = priorSeconds + (performance.now() - t0) / 1000;
      const row: TrainLogRow = { step: step + 1, loss, ce, score, lr, gradNorm: norm, tokensPerSec: tokensSeen / ((performance.now() - t0) / 1000), seconds };
      const last = step + 1 === config.steps;
      if (opts.evaluate && ((config.evalEvery > 0 && (step + 1) % config.evalEvery === 0) || last)) row.eval = opts.evaluate(model);
      rows.push(row);
      const eta = ((config.steps - step - 1) * (performance.now() - t0)) / 1000 / stepsThisCall;
      const evalText = row.eval ? ' | ' + Object.entries(row.eval).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ') : '';
      const line = `[${label}] step ${step + 1}/${config.steps} loss ${loss.toFixed(4)} ce ${ce.toFixed(4)} score ${score.toFixed(4)} | ${(row.tokensPerSec / 1000).toFixed(1)}k tok/s | ETA ${formatSeconds(eta)}${evalText}`;
      if (process.stderr.isTTY || (step + 1) % config.logEvery === 0 || last || row.eval) log(line, last);
      if (ckptDir && config.checkpointEvery > 0 && ((step + 1) % config.checkpointEvery === 0 || last)) {
        saveTrainingCheckpoint(ckptDir, vars, opt, { fingerprint: fp, step: step + 1, rows, loraRng: model.lora?.rngState() });
      }
      if (opts.outDir && (row.eval || last || (config.checkpointEvery > 0 && (step + 1) % config.checkpointEvery === 0))) {
        writeFileAtomic(join(opts.outDir, 'train-log.csv'), trainLogCsv(rows));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    opt.dispose();
  }
  if (opts.outDir) writeFileAtomic(join(opts.outDir, 'train-log.csv'), trainLogCsv(rows));
  return {
    steps: start + stepsThisCall,
    resumedFrom: start,
    rows,
    finalLoss: rows.length ? rows[rows.length - 1].loss : NaN,
    seconds: (performance.now() - t0) / 1000,
  };
}
