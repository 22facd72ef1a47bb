/**
 * Tensor ops whose stock TF.js form lacks a gradient kernel on the `wasm` backend, or is slow there.
 *
 * The gradient of `tf.gather` is built on `UnsortedSegmentSum`, which the wasm backend lacks, so a
 * plain `tf.gather` inside a loss or an embedding lookup fails at backward time on wasm. The ops
 * here give the same forward result with a custom gradient made of kernels wasm has (`ScatterNd`).
 * {@link softmaxLastAxis} is `tf.softmax` with its gradient in one fused kernel on wasm.
 *
 * @module engine/ops
 */
import * as tf from '@tensorflow/tfjs';
import { ownKernelAvailable, SOFTMAX_BACKWARD } from './wasmKernels';

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

/**
 * Softmax over the last axis, `tf.softmax(x)`. Where the fused gradient kernel is installed (wasm, engine/wasmKernels
 * `SoftmaxBackward`), the gradient dx = y ⊙ (dy − Σ dy ⊙ y) is that one kernel instead of TF.js's four passes over
 * the tensor; elsewhere this is `tf.softmax` with TF.js's gradient. Same formula either way.
 *
 * @param x [..., C] float32
 * @returns [..., C]; the caller owns it.
 */
export function softmaxLastAxis<T extends tf.Tensor>(x: T): T {
  if (!ownKernelAvailable(SOFTMAX_BACKWARD)) return tf.softmax(x);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.softmax(input); // [..., C]
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(SOFTMAX_BACKWARD, { dy, y: saved[0] }) as tf.Tensor, // [..., C]
    };
  });
  return op(x) as T;
}
