/**
 * The trainer: batching, AdamW with warm-up + cosine, global-norm clipping, gradient accumulation,
 * periodic evaluation, atomic checkpoints and exact resume, a NaN guard, progress and
 * `train-log.csv`. It contains no loss math: the objective comes from `losses/objective.ts`.
 *
 * Resume: the data order is a pure function of (seed, epoch), so a checkpoint needs only the
 * trainable weights, the optimizer moments and the step; a rerun with the same `outDir` continues
 * where the last checkpoint left off. The checkpoint files are `training/checkpoint.ts`.
 *
 * @module training/trainer
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { judgeObjective, type ObjectiveSpec } from '../losses/objective';
import type { LlamaModel } from '../model/llama';
import { cleanDebris, writeFileAtomic } from '../io/atomic';
import { collate, epochBatches, type TrainExample } from './batches';
import { loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from './checkpoint';
import { AdamW, clipByGlobalNorm, learningRate, warmupStepCount } from './optimizer';
import type { RngState } from '../engine/rng';
import { checkBatchFitsBackend } from '../engine/webgpuMemory';
import { DEFAULT_TRAIN, resolveTrainConfig, type TrainConfig } from './trainConfig';

export { DEFAULT_TRAIN, resolveTrainConfig, type TrainConfig };

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

const CSV_COLUMNS = ['step', 'loss', 'ce', 'score', 'lr', 'gradNorm', 'tokensPerSec', 'seconds'] as const;

/** `train-log.csv` text: the fixed columns, then every evaluation metric seen. */
export function trainLogCsv(rows: TrainLogRow[]): string {
  const evalKeys = [...new Set(rows.flatMap((r) => Object.keys(r.eval ?? {})))].sort();
  const lines = [[...CSV_COLUMNS, ...evalKeys.map((k) => `eval_${k}`)].join(',')];
  for (const r of rows)
    lines.push(
      [...CSV_COLUMNS.map((k) => String(r[k])), ...evalKeys.map((k) => (r.eval?.[k] ?? '').toString())].join(','),
    );
  return `${lines.join('\n')}\n`;
}

function fingerprint(opts: TrainOptions, config: TrainConfig): string {
  const ids = createHash('sha256');
  for (const e of opts.examples) ids.update(e.id).update(String(e.inputIds.length));
  return createHash('sha256')
    .update(JSON.stringify({ config, objective: opts.objective, data: ids.digest('hex') }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The default progress log of {@link train}: on a terminal each line overwrites the last (a newline
 * after the final one); otherwise one line each.
 */
export function progressLog(line: string, final: boolean): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** The JSON state of a trainer checkpoint. */
interface CheckpointState extends TrainingState {
  step: number;
  rows: TrainLogRow[];
  /** LoRA dropout stream, when adapters with dropout train. */
  loraRng?: RngState;
}

/** The state of one call of {@link train}, shared by its steps. */
interface TrainRun {
  opts: TrainOptions;
  /** Resolved config; `steps` derived from `epochs` when that is set. */
  config: TrainConfig;
  label: string;
  log: (line: string, final: boolean) => void;
  vars: tf.Variable[];
  opt: AdamW;
  /** Warm-up steps of the learning-rate schedule. */
  warmup: number;
  fingerprint: string;
  /** `outDir/checkpoint`, or null without an output folder. */
  ckptDir: string | null;
  /** Log rows so far (restored ones included). */
  rows: TrainLogRow[];
  /** Step the run resumed from (0 for a fresh run). */
  start: number;
  /** The micro-batch at a global index (epoch order from the seed). */
  batchAt: (index: number) => TrainExample[];
  /** performance.now() at the start of this call, and the seconds of earlier calls. */
  t0: number;
  priorSeconds: number;
  tokensSeen: number;
  stepsThisCall: number;
}

/** Resolves the config, builds the optimizer and resumes from `outDir/checkpoint` when there is one. */
function startRun(opts: TrainOptions): TrainRun {
  const resolved = resolveTrainConfig(opts.config);
  const { model, examples } = opts;
  const perStep = resolved.batchSize * resolved.gradAccum;
  const config =
    resolved.epochs > 0
      ? { ...resolved, steps: Math.max(1, Math.ceil((resolved.epochs * examples.length) / perStep)) }
      : resolved;
  const label = opts.label ?? 'train';
  const log = opts.log ?? progressLog;
  const seqLen = Math.max(0, ...examples.map((e) => e.inputIds.length));
  checkBatchFitsBackend({ ...model.config, batchSize: config.batchSize, seqLen, gradAccum: config.gradAccum });
  const vars = model.trainableVariables();
  const opt = new AdamW(vars, { beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay });
  const fp = fingerprint(opts, config);
  const ckptDir = opts.outDir ? join(opts.outDir, 'checkpoint') : null;
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  let rows: TrainLogRow[] = [];
  let start = 0;
  if (ckptDir) {
    let state: CheckpointState | null;
    try {
      state = loadTrainingCheckpoint<CheckpointState>(ckptDir, vars, opt, fp);
    } catch (err) {
      opt.dispose();
      throw err;
    }
    cleanDebris(opts.outDir!); // temporaries of killed runs
    if (state) {
      start = state.step;
      rows = state.rows;
      if (state.loraRng && model.lora) model.lora.setRngState(state.loraRng);
      log(`[${label}] resumed from the checkpoint at step ${start}`, true);
    }
  }
  const warmup = warmupStepCount(config.warmupRatio, config.steps);
  const priorSeconds = rows.length ? rows[rows.length - 1].seconds : 0;
  const batchAt = batchSchedule(examples, config);
  return {
    opts,
    config,
    label,
    log,
    vars,
    opt,
    warmup,
    fingerprint: fp,
    ckptDir,
    rows,
    start,
    batchAt,
    t0: performance.now(),
    priorSeconds,
    tokensSeen: 0,
    stepsThisCall: 0,
  };
}

/** Micro-batch by global index: epoch e's order is `epochBatches(examples, …, seed, e)`, made once per epoch. */
function batchSchedule(examples: TrainExample[], config: TrainConfig): (index: number) => TrainExample[] {
  const batchesPerEpoch = Math.ceil(examples.length / config.batchSize);
  let epochCache: { epoch: number; batches: TrainExample[][] } | null = null;
  return (index) => {
    const epoch = Math.floor(index / batchesPerEpoch);
    if (epochCache?.epoch !== epoch) {
      const batches = epochBatches(examples, config.batchSize, config.seed, epoch, config.bucketWindow);
      epochCache = { epoch, batches };
    }
    return epochCache.batches[index % batchesPerEpoch];
  };
}

/** Losses of one optimizer step, averaged over its micro-batches. */
interface StepLosses {
  loss: number;
  ce: number;
  score: number;
}

/** Losses and the global gradient norm (before clipping) of one optimizer step. */
type StepResult = StepLosses & { gradNorm: number };

/**
 * Runs the `gradAccum` micro-batches of optimizer step `step` and sums their gradients.
 * @returns the mean losses and the summed gradients aligned to `run.vars` (the caller owns them).
 */
function accumulateGradients(run: TrainRun, step: number): { losses: StepLosses; grads: tf.Tensor[] } {
  const { opts, config, vars } = run;
  let sums = [0, 0, 0];
  let accumulated: tf.Tensor[] | null = null;
  for (let micro = 0; micro < config.gradAccum; micro++) {
    const batch = collate(run.batchAt(step * config.gradAccum + micro), opts.pad);
    run.tokensSeen += batch.tokens;
    const kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const logits = opts.model.forward(batch.ids, { attentionMask: batch.attention, training: true });
      const parts = judgeObjective(logits, batch, opts.scoreTokenIds, opts.objective, step);
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
  return { losses: { loss, ce, score }, grads: accumulated! };
}

/**
 * One optimizer step: accumulated gradients averaged over micro-batches, clipped to `maxGradNorm`,
 * applied with the scheduled learning rate `lr`.
 * @throws naming the step when the loss is not finite (nothing is applied).
 */
function optimizerStep(run: TrainRun, step: number, lr: number): StepResult {
  const { config } = run;
  const { losses, grads: accumulated } = accumulateGradients(run, step);
  const { loss, ce, score } = losses;
  if (!Number.isFinite(loss)) {
    tf.dispose(accumulated);
    const where = run.ckptDir ? ` in ${run.ckptDir}` : '';
    const kept = run.rows.length ? `the last checkpoint is kept${where}` : 'no checkpoint was written';
    throw new Error(
      `[${run.label}] step ${step + 1}: loss is ${loss} (ce ${ce}, score ${score}); stopping (${kept}); ` +
        'try a lower lr or a lambda ramp',
    );
  }
  const scaled =
    config.gradAccum > 1
      ? tf.tidy(() => accumulated.map((a) => tf.div(a, config.gradAccum))) // mean over micro-batches
      : accumulated;
  if (scaled !== accumulated) tf.dispose(accumulated);
  const { grads, norm } = clipByGlobalNorm(scaled, config.maxGradNorm);
  run.opt.apply(grads, lr);
  tf.dispose(grads);
  run.stepsThisCall++;
  return { ...losses, gradNorm: norm };
}

/** The log row of a finished step (with evaluation when due), appended to `run.rows` and reported. */
function logStep(run: TrainRun, step: number, lr: number, result: StepResult): TrainLogRow {
  const { opts, config, t0 } = run;
  const { loss, ce, score, gradNorm } = result;
  const seconds = run.priorSeconds + (performance.now() - t0) / 1000;
  const tokensPerSec = run.tokensSeen / ((performance.now() - t0) / 1000);
  const row: TrainLogRow = { step: step + 1, loss, ce, score, lr, gradNorm, tokensPerSec, seconds };
  const last = step + 1 === config.steps;
  const evalDue = (config.evalEvery > 0 && (step + 1) % config.evalEvery === 0) || last;
  if (opts.evaluate && evalDue) row.eval = opts.evaluate(opts.model);
  run.rows.push(row);
  const eta = ((config.steps - step - 1) * (performance.now() - t0)) / 1000 / run.stepsThisCall;
  const evalText = row.eval
    ? ` | ${Object.entries(row.eval)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(' ')}`
    : '';
  const losses = `loss ${loss.toFixed(4)} ce ${ce.toFixed(4)} score ${score.toFixed(4)}`;
  const speed = `${(tokensPerSec / 1000).toFixed(1)}k tok/s | ETA ${formatSeconds(eta)}`;
  const line = `[${run.label}] step ${step + 1}/${config.steps} ${losses} | ${speed}${evalText}`;
  if (process.stderr.isTTY || (step + 1) % config.logEvery === 0 || last || row.eval) run.log(line, last);
  return row;
}

/**
 * Saves the checkpoint every `checkpointEvery` steps and at the end, and `train-log.csv` with it or
 * after an evaluation.
 */
function saveProgress(run: TrainRun, step: number, row: TrainLogRow): void {
  const { opts, config } = run;
  const last = step + 1 === config.steps;
  const periodic = config.checkpointEvery > 0 && (step + 1) % config.checkpointEvery === 0;
  if (run.ckptDir && config.checkpointEvery > 0 && (periodic || last)) {
    const state: CheckpointState = {
      fingerprint: run.fingerprint,
      step: step + 1,
      rows: run.rows,
      loraRng: opts.model.lora?.rngState(),
    };
    saveTrainingCheckpoint(run.ckptDir, run.vars, run.opt, state);
  }
  if (opts.outDir && (row.eval || last || periodic)) {
    writeFileAtomic(join(opts.outDir, 'train-log.csv'), trainLogCsv(run.rows));
  }
}

/**
 * Trains `model` in place on `examples` with the given objective: resume, then per step the
 * scheduled lr, an optimizer step, a log row and the periodic checkpoint.
 * @throws with the step number when the loss becomes NaN or infinite (the last checkpoint stays).
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const run = startRun(opts);
  const { config } = run;
  try {
    for (let step = run.start; step < config.steps; step++) {
      if (opts.stopAfter !== undefined && run.stepsThisCall >= opts.stopAfter) break;
      const lr = learningRate(step, config.lr, run.warmup, config.steps); // step = updates so far, HF's convention
      const result = optimizerStep(run, step, lr);
      const row = logStep(run, step, lr, result);
      saveProgress(run, step, row);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    run.opt.dispose();
  }
  if (opts.outDir) writeFileAtomic(join(opts.outDir, 'train-log.csv'), trainLogCsv(run.rows));
  return {
    steps: run.start + run.stepsThisCall,
    resumedFrom: run.start,
    rows: run.rows,
    finalLoss: run.rows.length ? run.rows[run.rows.length - 1].loss : NaN,
    seconds: (performance.now() - run.t0) / 1000,
  };
}
