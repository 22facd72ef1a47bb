/**
 * AdamW (Loshchilov & Hutter, 2019) with decoupled weight decay, and a learning-rate schedule of
 * linear warm-up then cosine decay, as Hugging Face's Trainer (TRACT: lr 1e-5, cosine, warm-up
 * ratio 0.1; AdamW β = (0.9, 0.999), ε = 1e-8, weight decay 0). Its state saves and restores
 * exactly, for resumable runs.
 *
 * @module training/optimizer
 */
import * as tf from '@tensorflow/tfjs';
import { ADAMW, ownKernelAvailable } from '../engine/wasmKernels';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const DEFAULT_ADAMW: Readonly<AdamWConfig> = Object.freeze({
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
});

/** AdamW over a fixed list of variables. Decay applies to matrices only (not norms or biases). */
export class AdamW {
  readonly config: AdamWConfig;
  readonly variables: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  /** Updates applied so far. */
  step = 0;

  constructor(variables: tf.Variable[], config: Partial<AdamWConfig> = {}) {
    this.config = { ...DEFAULT_ADAMW, ...config };
    this.variables = variables;
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /**
   * Applies one update with gradients aligned to `variables`. On wasm each variable's update is one kernel call
   * (engine/wasmKernels `AdamW`) with the bits of the composed ops; `TRACT_WASM_OFF=adamw` runs the ops.
   */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.variables.length)
      throw new Error(`AdamW: ${grads.length} gradients for ${this.variables.length} variables`);
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    const fused = ownKernelAvailable(ADAMW);
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const g = grads[i];
        const decay = weightDecay > 0 && w.rank >= 2 ? weightDecay : 0;
        if (fused && w.dtype === 'float32' && g.dtype === 'float32') {
          // one pass on wasm (kernels/adamw.ts), the bits of the ops below
          const inputs = { w, m: this.m[i], v: this.v[i], g };
          const attrs = { beta1, beta2, c1, c2, epsilon, decay, lr };
          const [w1, m1, v1] = tf.engine().runKernel(ADAMW, inputs, attrs) as tf.Tensor[];
          this.m[i].assign(m1);
          this.v[i].assign(v1);
          w.assign(w1);
          return;
        }
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        if (decay > 0) update = tf.add(update, tf.mul(w, decay));
        w.assign(tf.sub(w, tf.mul(update, lr)));
      });
    });
  }

  /** The moment estimates as arrays (for checkpoints). */
  state(): { step: number; m: Float32Array[]; v: Float32Array[] } {
    return {
      step: this.step,
      m: this.m.map((t) => t.dataSync() as Float32Array),
      v: this.v.map((t) => t.dataSync() as Float32Array),
    };
  }

  /** Restores a saved state (shapes must match). */
  load(state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
    if (state.m.length !== this.m.length)
      throw new Error(`AdamW: saved state has ${state.m.length} slots, optimizer has ${this.m.length}`);
    this.step = state.step;
    state.m.forEach((d, i) => {
      this.m[i].assign(tf.tensor(d, this.m[i].shape));
    });
    state.v.forEach((d, i) => {
      this.v[i].assign(tf.tensor(d, this.v[i].shape));
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Cosine cycles of the decay: half a cosine, from the peak to 0 (HF's default `num_cycles`). */
const NUM_CYCLES = 0.5;

/**
 * The learning rate of the update made after `step` earlier updates (0-based: 0 for the first), as
 * Hugging Face's `get_cosine_schedule_with_warmup` (a LambdaLR that the Trainer steps after each
 * optimizer step, so the first update uses the factor at step 0). The factor times `peak` is
 *
 *     step / max(1, warmup)                                     for step < warmup
 *     max(0, 0.5 · (1 + cos(π · cycles · 2 · progress)))        after, cycles = 0.5,
 *     progress = (step − warmup) / max(1, total − warmup)
 *
 * so with a warm-up the first update has lr 0 and the peak is reached at step = warmup; the decay
 * reaches 0 at step = total (beyond it the formula, like HF's, rises again; the trainer never asks).
 */
export function learningRate(step: number, peak: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return peak * (step / Math.max(1, warmupSteps));
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * NUM_CYCLES * 2 * progress)));
}

/** Warm-up steps of a run: ceil(ratio · total), as HF `TrainingArguments.get_warmup_steps`. */
export function warmupStepCount(warmupRatio: number, totalSteps: number): number {
  return Math.ceil(warmupRatio * totalSteps);
}

/** Scales gradients so that their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  if (!(maxNorm > 0) || !(norm > maxNorm) || !Number.isFinite(norm)) return { grads, norm };
  const scale = maxNorm / norm;
  const clipped = grads.map((g) => tf.mul(g, scale));
  tf.dispose(grads);
  return { grads: clipped, norm };
}
