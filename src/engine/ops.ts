/**
 * Tensor ops whose stock TF.js form has no gradient kernel on the `wasm` backend.
 *
 * The gradient of `tf.gather` is built on `UnsortedSegmentSum`, which the wasm backend lacks, so a
 * plain `tf.gather` inside a loss or an embedding lookup fails at backward time on wasm. The ops
 * here give the same forward result with a custom gradient made of kernels wasm has (`ScatterNd`).
 *
 * @module engine/ops
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Rows of a matrix, differentiable on every backend: `out[i] = x[rows[i]]`.
 * Duplicate rows are allowed; their gradients add up (as an embedding lookup needs).
 *
 * @param x    [N, D] float32
 * @param rows [R] int32 row indices in [0, N)
 * @returns    [R, D]; the caller owns it.
 */
export function gatherRows(x: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2) throw new Error(`gatherRows: x must be rank 2 [N, D], got shape [${x.shape}]`);
  if (rows.rank !== 1 || rows.dtype !== 'int32') {
    throw new Error(`gatherRows: rows must be an int32 vector, got ${rows.dtype} [${rows.shape}]`);
  }
  const [n, d] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([rows]); // kept by the engine until backward, even if the caller's tidy disposes `rows`
    return {
      value: tf.gather(input, rows), // [R, D]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved[0], 1), dy, [n, d]), // [N, D]
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * A float32 one-hot matrix. (`tf.oneHot(ids, depth, 1, 0, 'float32')` returns all zeros on the
 * wasm backend of TF.js 4.22; the int32 form is correct there, so this casts it.)
 *
 * @param indices [N] int32 ids in [0, depth)
 * @returns [N, depth] float32; the caller owns it.
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D);
}
