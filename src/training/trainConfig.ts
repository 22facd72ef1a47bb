/**
 * The settings of a training run: their type, TRACT's defaults (scaled to small CPU runs) and the
 * one function that fills and checks them. `training/trainer.ts` re-exports them.
 *
 * @module training/trainConfig
 */

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
  /** Fraction of steps with linear warm-up, rounded up (TRACT: 0.1; see `learningRate`). */
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

/** Fills defaults and checks every field; unknown keys are an error. */
export function resolveTrainConfig(overrides: Partial<TrainConfig>): TrainConfig {
  for (const k of Object.keys(overrides))
    if (!(k in DEFAULT_TRAIN)) throw new Error(`train config: unknown key '${k}'`);
  const c = { ...DEFAULT_TRAIN, ...overrides };
  for (const k of ['steps', 'batchSize', 'gradAccum', 'logEvery', 'bucketWindow'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new Error(`train config: ${k} must be a positive integer, got ${c[k]}`);
  }
  for (const k of ['evalEvery', 'checkpointEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`train config: ${k} must be an integer >= 0, got ${c[k]}`);
  }
  if (!(c.epochs >= 0)) throw new Error(`train config: epochs must be >= 0, got ${c.epochs}`);
  if (!(c.lr > 0)) throw new Error(`train config: lr must be > 0, got ${c.lr}`);
  if (!(c.warmupRatio >= 0 && c.warmupRatio < 1))
    throw new Error(`train config: warmupRatio must be in [0, 1), got ${c.warmupRatio}`);
  return c;
}
