/**
 * Rotary position embeddings (RoPE), in the two layouts checkpoints use.
 *
 * x' = x ⊙ cos(pθ) + rot(x) ⊙ sin(pθ), where rot pairs dimensions:
 *  - halfSplit (Hugging Face Llama): (j, j + d/2), rot(x) = [−x₂, x₁]
 *  - interleaved (llama2.c, Meta's original): (2i, 2i+1), rot(x)₂ᵢ = −x₂ᵢ₊₁, rot(x)₂ᵢ₊₁ = x₂ᵢ
 *
 * rot is applied as a product with a fixed signed permutation matrix R [d, d]: a plain 2-D matmul,
 * which has fast kernels and gradients on every backend (no strided slices).
 *
 * @module model/rope
 */
import * as tf from '@tensorflow/tfjs';
import { ownKernelAvailable, ROPE } from '../engine/wasmKernels';
import type { Llama3RopeScaling, LlamaConfig } from './config';

/** Inverse frequencies θ_i = base^(−2i/d), i < d/2, with Llama 3.1's rescaling when configured. */
export function inverseFrequencies(headDim: number, base: number, scaling: Llama3RopeScaling | null): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / base ** ((2 * i) / headDim);
  if (!scaling) return inv;
  // transformers `_compute_llama3_parameters`
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldLen } = scaling;
  const lowFreqWavelen = oldLen / lowFreqFactor;
  const highFreqWavelen = oldLen / highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowFreqWavelen) inv[i] = inv[i] / factor;
    else if (wavelen >= highFreqWavelen) {
      const smooth = (oldLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / factor) + smooth * inv[i];
    }
  }
  return inv;
}

/** Precomputed rotary tables of one model. */
export interface RopeTables {
  /** [maxSeqLen, headDim] cos(p·θ) laid out for the model's ropeStyle. */
  cos: tf.Tensor2D;
  /** [maxSeqLen, headDim] sin(p·θ). */
  sin: tf.Tensor2D;
  /** [headDim, headDim] the signed permutation with rot(x) = x @ R. */
  rot: tf.Tensor2D;
  /** The layout of `rot`: halves (config `ropeStyle` 'halfSplit') or interleaved pairs. */
  halfSplit: boolean;
}

/** Builds the tables for a config; the caller owns (and disposes) them. */
export function ropeTables(config: LlamaConfig): RopeTables {
  const d = config.headDim;
  const half = d / 2;
  const inv = inverseFrequencies(d, config.ropeTheta, config.ropeScaling);
  const n = config.maxSeqLen;
  const cos = new Float32Array(n * d);
  const sin = new Float32Array(n * d);
  const freqIndex = (j: number) => (config.ropeStyle === 'halfSplit' ? j % half : j >> 1);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < d; j++) {
      // float32 angle, as transformers computes inv_freq @ positions in float32
      const angle = Math.fround(Math.fround(inv[freqIndex(j)]) * p);
      cos[p * d + j] = Math.cos(angle);
      sin[p * d + j] = Math.sin(angle);
    }
  }
  const rot = new Float32Array(d * d); // rot(x)_out = Σ_in x_in R[in, out]
  for (let j = 0; j < d; j++) {
    if (config.ropeStyle === 'halfSplit') {
      if (j < half) rot[(j + half) * d + j] = -1;
      else rot[(j - half) * d + j] = 1;
    } else if (j % 2 === 0) rot[(j + 1) * d + j] = -1;
    else rot[(j - 1) * d + j] = 1;
  }
  const halfSplit = config.ropeStyle === 'halfSplit';
  return { cos: tf.tensor2d(cos, [n, d]), sin: tf.tensor2d(sin, [n, d]), rot: tf.tensor2d(rot, [d, d]), halfSplit };
}

/**
 * Applies RoPE to queries or keys.
 * @param x    [B, T, H, d]
 * @param cos  [B, T, 1, d] rows of the cos table at each token's position
 * @param sin  [B, T, 1, d]
 * @param rot  [d, d] (the product by it where the wasm kernel `Rope` is not installed)
 * @param halfSplit the layout of `rot` (config `ropeStyle` 'halfSplit'), for the kernel
 * @returns [B, T, H, d]; the caller owns it (call inside a tidy).
 */
export function applyRope(
  x: tf.Tensor4D,
  cos: tf.Tensor4D,
  sin: tf.Tensor4D,
  rot: tf.Tensor2D,
  halfSplit: boolean,
): tf.Tensor4D {
  const [b, t, h, d] = x.shape;
  if (ownKernelAvailable(ROPE) && cos.shape.join() === [b, t, 1, d].join() && sin.shape.join() === cos.shape.join()) {
    return fusedRope(x, cos, sin, halfSplit); // [B, T, H, d]
  }
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [b * t * h, d]), rot), [b, t, h, d]); // [B, T, H, d]
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/**
 * {@link applyRope} as the wasm kernel `Rope`, one pass forward and one backward (the bits of the ops above).
 * @param x [B, T, H, d]; cos, sin [B, T, 1, d]
 * @returns [B, T, H, d]
 */
function fusedRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D, halfSplit: boolean): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([cos, sin]); // kept by the engine until backward, even when the caller's tidy has disposed them
    return {
      value: tf.engine().runKernel(ROPE, { x: input, cos, sin }, { halfSplit, backward: false }) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(ROPE, { x: dy, cos: saved[0], sin: saved[1] }, { halfSplit, backward: true }) as tf.Tensor,
    };
  });
  return op(x) as tf.Tensor4D;
}
