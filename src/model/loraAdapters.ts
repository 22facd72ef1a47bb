/**
 * The LoRA adapters of one model and their hyper-parameters (Hu et al., 2021): the state a
 * `LlamaModel` holds while adapters are attached. Attaching, merging, saving and loading them
 * is `model/lora.ts`; this module stays below `model/llama.ts` so that the model can hold adapters
 * without importing the functions that take a model.
 *
 * @module model/loraAdapters
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../engine/rng';
import { ATTENTION_LINEARS, MLP_LINEARS, type LinearName } from './layout';

/** LoRA hyper-parameters; defaults are TRACT's (via LLaMA-Factory). */
export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  /** Linear layers that get adapters (default all seven). */
  targets: LinearName[];
}

export const DEFAULT_LORA: Readonly<LoraConfig> = Object.freeze({
  rank: 8,
  alpha: 16,
  dropout: 0,
  targets: [...ATTENTION_LINEARS, ...MLP_LINEARS],
});

/** The adapters of one model. */
export class LoraAdapters {
  readonly config: LoraConfig;
  /** Module path → [A [in, r], B [r, out]]. */
  readonly adapters = new Map<string, [tf.Variable, tf.Variable]>();
  private dropoutRng: Rng;

  constructor(config: LoraConfig, seed: number | string) {
    if (!Number.isInteger(config.rank) || config.rank < 1)
      throw new Error(`LoRA: rank must be a positive integer, got ${config.rank}`);
    if (!(config.alpha > 0)) throw new Error(`LoRA: alpha must be > 0, got ${config.alpha}`);
    if (!(config.dropout >= 0 && config.dropout < 1))
      throw new Error(`LoRA: dropout must be in [0, 1), got ${config.dropout}`);
    for (const t of config.targets) {
      if (![...ATTENTION_LINEARS, ...MLP_LINEARS].includes(t)) throw new Error(`LoRA: unknown target '${t}'`);
    }
    this.config = { ...config, targets: [...config.targets] };
    this.dropoutRng = new Rng(seed).fork('lora/dropout');
  }

  /** alpha / rank. */
  get scale(): number {
    return this.config.alpha / this.config.rank;
  }

  /** Adds the adapter term to a linear layer's output y = x W: x [N, in], y [N, out]. */
  apply(path: string, x: tf.Tensor2D, y: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const ab = this.adapters.get(path);
    if (!ab) return y;
    const xin =
      training && this.config.dropout > 0 ? tf.dropout(x, this.config.dropout, undefined, this.dropoutRng.tfSeed()) : x;
    const delta = tf.matMul(tf.matMul(xin, ab[0]), ab[1]); // [N, r] → [N, out]
    return tf.add(y, tf.mul(delta, this.scale));
  }

  variables(): tf.Variable[] {
    return [...this.adapters.values()].flat();
  }

  /** The dropout stream's state (saved in training checkpoints so that a resumed run is exact). */
  rngState(): RngState {
    return this.dropoutRng.state();
  }

  /** Restores the dropout stream. */
  setRngState(state: RngState): void {
    this.dropoutRng = Rng.fromState(state);
  }

  dispose(): void {
    tf.dispose(this.variables());
    this.adapters.clear();
  }
}
