/**
 * Token-level cross-entropy over supervised tokens, with a fused gradient.
 *
 * The forward reads the target logit with one `gather` on the flattened logits; the backward is
 * written out as `(softmax(z) − onehot(t)) · w`, which is both exact and the cheapest form (it
 * avoids the gather gradient the wasm backend lacks, and the [N, V] one-hot in the forward).
 *
 * @module losses/crossEntropy
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../engine/asserts';
import { oneHotFloat } from '../engine/ops';
import { LOG_SUM_EXP_PARTS, NLL_GRAD, ownKernelAvailable } from '../engine/wasmKernels';

/** A [B, T] tensor, or nested JS arrays of the same shape. */
export type TokenGrid = tf.Tensor2D | readonly (readonly number[])[];

/** Converts a [B, T] grid to a tensor of the given dtype, checking its shape. */
export function gridTensor(
  grid: TokenGrid,
  shape: [number, number],
  dtype: 'int32' | 'float32',
  name: string,
): tf.Tensor2D {
  if (grid instanceof tf.Tensor) {
    assertShape(grid, shape, name);
    return grid.dtype === dtype ? grid.clone() : (grid.cast(dtype) as tf.Tensor2D);
  }
  if (grid.length !== shape[0] || grid.some((row) => row.length !== shape[1])) {
    throw new Error(`${name}: expected shape [${shape}], got a ragged or mis-sized array`);
  }
  return tf.tensor2d(grid as number[][], shape, dtype);
}

/**
 * Sum of per-token negative log-likelihoods weighted by `weights`, with a fused gradient.
 * @param logits  [N, V] float32
 * @param targets [N] int32 token ids (ignored where the weight is 0)
 * @param weights [N] float32 per-token weights (mask / denominator)
 * @returns a scalar; the caller owns it.
 */
export function weightedNll(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const [n, v] = logits.shape;
  // on wasm, one pass over the logits each way (engine/wasmKernels LogSumExpParts, NllGrad): the bits of the ops below
  const fused = logits.dtype === 'float32' && ownKernelAvailable(LOG_SUM_EXP_PARTS) && ownKernelAvailable(NLL_GRAD);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const z2 = z;
    let lse: tf.Tensor1D; // [N]
    if (fused) {
      const [mx, se] = tf.engine().runKernel(LOG_SUM_EXP_PARTS, { z: z2 }) as tf.Tensor1D[]; // [N], [N]
      lse = tf.add(mx, tf.log(se)); // logSumExp's last two ops
      tf.dispose([mx, se]);
    } else lse = tf.logSumExp(z2, 1);
    const flatIdx = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), targets); // [N] index into z.flat
    const picked = tf.gather(tf.reshape(z2, [n * v]), flatIdx); // [N]
    const value = tf.sum(tf.mul(tf.sub(lse, picked), weights)); // scalar
    save([z2, lse, targets, weights]); // the engine keeps saved tensors alive until backward
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, lses, tgt, w] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        if (fused) return tf.engine().runKernel(NLL_GRAD, { z: zs, lse: lses, targets: tgt, w, dy }) as tf.Tensor2D;
        const probs = tf.exp(tf.sub(zs, tf.expandDims(lses, 1))); // [N, V]
        const onehot = oneHotFloat(tgt, v); // [N, V]
        return tf.mul(tf.mul(tf.sub(probs, onehot), tf.expandDims(w, 1)), dy); // [N, V]
      },
    };
  });
  return op(logits) as tf.Scalar;
}

/**
 * Mean cross-entropy over supervised tokens: Σ mask·(−log softmax(logits)[target]) / Σ mask.
 * Positions are aligned: `logits[b, t]` is scored against `targets[b, t]` (shift first when the
 * targets are the input ids; {@link cotRaftLoss} does that).
 *
 * @param logits  [B, T, V]
 * @param targets [B, T] token ids
 * @param mask    [B, T] 1 where the token is supervised, 0 elsewhere (prompt, padding)
 * @returns a scalar; the caller owns it.
 * @throws if no token is supervised.
 */
export function tokenCrossEntropy(logits: tf.Tensor3D, targets: TokenGrid, mask: TokenGrid): tf.Scalar {
  assertShape(logits, [null, null, null], 'logits');
  const [b, t, v] = logits.shape;
  return tf.tidy(() => {
    const tgt = tf.reshape(gridTensor(targets, [b, t], 'int32', 'targets'), [b * t]) as tf.Tensor1D; // [N]
    const m = tf.reshape(gridTensor(mask, [b, t], 'float32', 'mask'), [b * t]) as tf.Tensor1D; // [N]
    const count = tf.sum(m).arraySync() as number;
    if (!(count > 0)) throw new Error('tokenCrossEntropy: mask selects no token');
    checkTokenIds(tgt, m, v, 'targets');
    return weightedNll(tf.reshape(logits, [b * t, v]), tgt, tf.div(m, count) as tf.Tensor1D);
  });
}

/** Throws if a supervised target id is outside [0, V). */
export function checkTokenIds(targets: tf.Tensor1D, mask: tf.Tensor1D, vocabSize: number, name: string): void {
  const ids = targets.dataSync();
  const m = mask.dataSync();
  for (let i = 0; i < ids.length; i++) {
    if (m[i] !== 0 && (ids[i] < 0 || ids[i] >= vocabSize)) {
      throw new RangeError(`${name}: token id ${ids[i]} at flat position ${i} is outside [0, ${vocabSize})`);
    }
  }
}
