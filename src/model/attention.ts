/**
 * The attention pieces of the decoder in `model/llama.ts`: rotary positions of padded rows, the
 * causal and key-padding biases, grouped-query scaled dot-product attention (a full pass and a
 * one-token decoding step), and the key/value cache of incremental decoding.
 *
 * Grouped-query layout: the G = nHeads / nKvHeads query heads that share a KV head are stacked
 * along the query axis ([B, KV, G·T, hd]), so K and V are never repeated. Tensor-returning
 * functions create tensors for the caller's `tf.tidy`.
 *
 * @module model/attention
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxLastAxis } from '../engine/ops';
import {
  CAUSAL_ATTENTION_BACKWARD,
  CAUSAL_PRODUCT,
  CAUSAL_SOFTMAX,
  DECODE_ATTENTION,
  ownKernelAvailable,
  RMS_NORM,
  ROPE_APPEND,
  SOFTMAX_BACKWARD,
  SWIGLU,
} from '../engine/wasmKernels';

/** [B, T] 1 for real tokens, 0 for padding. */
export type Mask = readonly (readonly number[])[];

/** The bias that removes a key from the softmax. */
const NEG = -1e9;

/** Keys and values of earlier positions, per layer, for incremental decoding. */
export interface KvCache {
  /** [B, nKvHeads, Tpast, headDim] per layer. */
  k: tf.Tensor4D[];
  v: tf.Tensor4D[];
  /** [B][Tpast] 1 where the cached position holds a real token, 0 for padding. */
  valid: number[][];
  /** Next rotary position of each row (its count of real tokens so far). */
  nextPosition: number[];
}

/** Disposes the tensors of a cache. */
export function disposeCache(cache: KvCache | null | undefined): void {
  if (cache) tf.dispose([...cache.k, ...cache.v]);
}

/**
 * Rotary position of each new token, [B·T] row-major: each row counts only its real tokens, so
 * left padding shifts nothing; a padded slot repeats the previous position (0 at the start).
 */
export function tokenPositions(b: number, t: number, attentionMask: Mask | null, cache: KvCache | null): Int32Array {
  const positions = new Int32Array(b * t);
  for (let i = 0; i < b; i++) {
    let p = cache ? cache.nextPosition[i] : 0;
    for (let j = 0; j < t; j++) {
      const real = attentionMask ? attentionMask[i][j] !== 0 : true;
      positions[i * t + j] = real ? p : Math.max(0, p - 1);
      if (real) p++;
    }
  }
  return positions;
}

/** Causal bias [1, 1, G·T, Tk] for G query groups: query i sits at key index past + i. */
export function causalAttentionBias(g: number, t: number, past: number): tf.Tensor4D {
  const tk = past + t;
  const causal = new Float32Array(g * t * tk);
  for (let gi = 0; gi < g; gi++) {
    for (let i = 0; i < t; i++) {
      const row = (gi * t + i) * tk;
      for (let j = past + i + 1; j < tk; j++) causal[row + j] = NEG;
    }
  }
  return tf.tensor4d(causal, [1, 1, g * t, tk]);
}

/** Key-padding bias [B, 1, 1, Tk] from the cache's validity and the new tokens' mask; null without either. */
export function keyPaddingBias(
  b: number,
  t: number,
  past: number,
  attentionMask: Mask | null,
  cache: KvCache | null,
): tf.Tensor4D | null {
  if (!attentionMask && !cache) return null;
  const tk = past + t;
  const kb = new Float32Array(b * tk);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < tk; j++) {
      const valid = j < past ? cache!.valid[i][j] : attentionMask ? attentionMask[i][j - past] : 1;
      if (!valid) kb[i * tk + j] = NEG;
    }
  }
  return tf.tensor4d(kb, [b, 1, 1, tk]);
}

/**
 * The causal and key-padding biases as one tensor, so that each layer adds one bias to its scores.
 * @param causalBias [1, 1, G·T, Tk]
 * @param keyBias [B, 1, 1, Tk] or null
 * @returns [B, 1, G·T, Tk], or `causalBias` itself without a key bias; the caller owns a new tensor.
 */
export function attentionBias(causalBias: tf.Tensor4D, keyBias: tf.Tensor4D | null): tf.Tensor4D {
  return keyBias ? tf.add(causalBias, keyBias) : causalBias;
}

/**
 * Scaled dot-product attention of G·T query rows per KV head, with a bias (causal and key padding, from
 * {@link attentionBias}). The scale 1/√hd multiplies the queries (hd per row) rather than the scores (Tk per row),
 * and the softmax's gradient is one fused kernel on wasm (engine/ops `softmaxLastAxis`): the [G·T, Tk] tensors are
 * the large ones at a small head dimension. Given `causal` (what the bias is made of), on wasm and at a head dimension
 * of at most {@link FUSED_CAUSAL_MAX_HEAD_DIM}, the own causal kernels compute only the keys each row sees, forward
 * and backward (`fusedCausalAttention`); at larger head dimensions the products leave out the masked part
 * (`skippingCausalAttention`).
 * @param qg [B, KV, G·T, hd]; kt, vt [B, KV, Tk, hd]; bias broadcastable to [B, KV, G·T, Tk]
 * @returns [B, KV, G·T, hd]
 */
export function causalAttention(
  qg: tf.Tensor4D,
  kt: tf.Tensor4D,
  vt: tf.Tensor4D,
  bias: tf.Tensor4D,
  causal?: CausalLayout,
): tf.Tensor4D {
  const hd = kt.shape[3];
  const qs = tf.mul(qg, 1 / Math.sqrt(hd)) as tf.Tensor4D; // [B, KV, G·T, hd]
  const fused = hd <= FUSED_CAUSAL_MAX_HEAD_DIM && ownKernelAvailable(CAUSAL_SOFTMAX);
  if (causal && fused && ownKernelAvailable(CAUSAL_ATTENTION_BACKWARD)) {
    return fusedCausalAttention(qs, kt, vt, causal); // [B, KV, G·T, hd]
  }
  if (causal && !fused && ownKernelAvailable(CAUSAL_PRODUCT) && ownKernelAvailable(SOFTMAX_BACKWARD)) {
    return skippingCausalAttention(qs, kt, vt, bias, causal); // [B, KV, G·T, hd]
  }
  const scores = tf.add(tf.matMul(qs, kt, false, true), bias); // [B, KV, G·T, Tk]
  const probs = softmaxLastAxis(scores); // [B, KV, G·T, Tk]
  return tf.matMul(probs, vt); // [B, KV, G·T, hd]
}

/**
 * The largest head dimension that takes the fused causal kernels. Measured (training steps interleaved in one process,
 * 2 threads): at 8 (stories260K) they are 7% faster than XNNPACK's products over the whole [G·T, Tk], at 64 (the
 * 7M model of `bench:model`) 9% slower; sizes between were not measured.
 */
export const FUSED_CAUSAL_MAX_HEAD_DIM = 8;

/** What the bias of {@link causalAttention} is made of: causal over `t` tokens after `past`, and the key padding. */
export interface CausalLayout {
  t: number;
  past: number;
  /** [B, 1, 1, Tk] or null. */
  keyBias: tf.Tensor4D | null;
}

/**
 * P·v with P = softmax(qs·kᵀ + bias), the causal part of the bias a loop bound: the probabilities are the wasm kernel
 * `CausalSoftmax`, the product XNNPACK's, and the gradients with respect to qs, k and v one pass of the kernel
 * `CausalAttentionBackward`. Masked keys are never computed. A query row whose visible keys are all padded (a padded
 * position with nothing before it) averages its visible keys' values, where the composed form averages every key;
 * such positions are masked for every other query and in every loss.
 * @param qs [B, KV, G·T, hd] scaled queries; kt, vt [B, KV, Tk, hd]
 * @returns [B, KV, G·T, hd]
 */
function fusedCausalAttention(qs: tf.Tensor4D, kt: tf.Tensor4D, vt: tf.Tensor4D, causal: CausalLayout): tf.Tensor4D {
  const attrs = { t: causal.t, past: causal.past };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, v, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const kT = tf.transpose(k, [0, 1, 3, 2]); // [B, KV, hd, Tk]
    const inputs: tf.NamedTensorMap = { q, kT };
    if (causal.keyBias) inputs.bias = causal.keyBias;
    const p = tf.engine().runKernel(CAUSAL_SOFTMAX, inputs, attrs) as tf.Tensor4D; // [B, KV, G·T, Tk]
    kT.dispose();
    const out = tf.matMul(p, v); // [B, KV, G·T, hd]
    save([q, k, v, p]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved;
        const vT = tf.transpose(sv, [0, 1, 3, 2]); // [B, KV, hd, Tk]
        // dq [B, KV, G·T, hd], dk and dv [B, KV, Tk, hd]
        const inputs = { q: sq, k: sk, vT, p: sp, dy };
        const grads = tf.engine().runKernel(CAUSAL_ATTENTION_BACKWARD, inputs, attrs) as tf.Tensor[];
        vT.dispose();
        return grads;
      },
    };
  });
  return op(qs, kt, vt) as tf.Tensor4D;
}

/**
 * {@link causalAttention}'s composed form, P·v with P = softmax(qs·kᵀ + bias), with every product (forward and
 * backward) by the wasm kernel `CausalProduct`, which leaves out, 32 query rows at a time, the keys those rows cannot
 * see: about 44% of the products' work at T = 256. The probabilities and gradients have the bits of the composed form
 * (the scores that are left out are removed by the bias; the products left out are exact zeros), except on a query
 * row whose visible keys are all padded (a left-padded prompt's padding), which no other row and no loss reads.
 * @param qs [B, KV, G·T, hd] scaled queries; kt, vt [B, KV, Tk, hd]; bias broadcastable to [B, KV, G·T, Tk]
 * @returns [B, KV, G·T, hd]
 */
function skippingCausalAttention(
  qs: tf.Tensor4D,
  kt: tf.Tensor4D,
  vt: tf.Tensor4D,
  bias: tf.Tensor4D,
  causal: CausalLayout,
): tf.Tensor4D {
  const { t, past } = causal;
  // mode 1: scores (keys a row cannot see are 0); 2: a lower-triangular left operand; 3: its transpose
  const product = (a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean, mode: number) =>
    tf.engine().runKernel(CAUSAL_PRODUCT, { a, b }, { transposeA, transposeB, mode, t, past }) as tf.Tensor4D;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, v, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const scores = product(q, k, false, true, 1); // [B, KV, G·T, Tk]
    const biased = tf.add(scores, bias);
    const p = tf.softmax(biased) as tf.Tensor4D; // [B, KV, G·T, Tk]
    tf.dispose([scores, biased]);
    save([q, k, v, p]);
    return {
      value: product(p, v, false, false, 2), // [B, KV, G·T, hd]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // the products of BatchMatMul's gradients, as TF.js takes them, and softmaxLastAxis's gradient kernel
        const [sq, sk, sv, sp] = saved as tf.Tensor4D[];
        const dp = product(dy, sv, false, true, 1); // [B, KV, G·T, Tk]
        const ds = tf.engine().runKernel(SOFTMAX_BACKWARD, { dy: dp, y: sp }) as tf.Tensor4D; // [B, KV, G·T, Tk]
        const dq = product(ds, sk, false, false, 2); // [B, KV, G·T, hd]
        const dk = product(ds, sq, true, false, 3); // [B, KV, Tk, hd]
        const dv = product(sp, dy, true, false, 3); // [B, KV, Tk, hd]
        tf.dispose([dp, ds]);
        return [dq, dk, dv];
      },
    };
  });
  return op(qs, kt, vt) as tf.Tensor4D;
}

/**
 * Attention of one decoding step (T = 1, every key is in the past or the token itself, so no causal
 * bias): G query rows per KV head. On wasm one kernel call (engine/wasmKernels `DecodeAttention`); elsewhere
 * broadcast products, which beat B·KV tiny matmuls. Not differentiable on wasm (decoding only).
 * @param qg [B, KV, G, hd]; kt, vt [B, KV, Tk, hd]
 * @returns [B, KV, G, hd]
 */
export function decodeStepAttention(
  qg: tf.Tensor4D,
  kt: tf.Tensor4D,
  vt: tf.Tensor4D,
  keyBias: tf.Tensor4D | null,
): tf.Tensor4D {
  const [b, kvh, g, hd] = qg.shape;
  const scale = 1 / Math.sqrt(hd);
  if (ownKernelAvailable(DECODE_ATTENTION)) {
    const inputs: tf.NamedTensorMap = { q: qg, k: kt, v: vt };
    if (keyBias) inputs.bias = keyBias;
    return tf.engine().runKernel(DECODE_ATTENTION, inputs, { scale }) as tf.Tensor4D; // [B, KV, G, hd]
  }
  const q5 = tf.reshape(qg, [b, kvh, g, 1, hd]); // [B, KV, G, 1, hd]
  let scores = tf.mul(tf.sum(tf.mul(q5, tf.expandDims(kt, 2)), -1), scale); // [B, KV, G, Tk]
  if (keyBias) scores = tf.add(scores, keyBias);
  const probs = tf.softmax(scores); // [B, KV, G, Tk]
  return tf.sum(tf.mul(tf.expandDims(probs, -1), tf.expandDims(vt, 2)), 3); // [B, KV, G, hd]
}

/**
 * Whether a decoding step can run on the own one-call kernels (wasm): the rotary embedding with the cache append
 * ({@link decodeStepRopeAppend}), the attention, the RMSNorm and the SwiGLU gate. Elsewhere the step composes TF.js
 * ops.
 */
export function fusedDecodingAvailable(): boolean {
  return ([ROPE_APPEND, DECODE_ATTENTION, RMS_NORM, SWIGLU] as const).every((name) => ownKernelAvailable(name));
}

/**
 * The rotary embedding of a decoding step's queries and keys, and its keys and values appended to the cache, in one
 * call (the wasm kernel `RopeAppend`; check {@link fusedDecodingAvailable} first). The same bits as rotating with
 * `applyRope` (model/rope), transposing and concatenating.
 * @param q [B, H·hd] the step's query projections (one new token per row)
 * @param k [B, KV·hd] and `v` the key and value projections
 * @param cos [B, hd] and `sin` each row's rotary table at its position
 * @param pastK [B, KV, Tp, hd] and `pastV` the cache of this layer
 * @returns the rotated queries [B, KV, G, hd] and the keys (rotated) and values [B, KV, Tp + 1, hd]
 */
export function decodeStepRopeAppend(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  cos: tf.Tensor2D,
  sin: tf.Tensor2D,
  pastK: tf.Tensor4D,
  pastV: tf.Tensor4D,
  heads: { heads: number; kvHeads: number; halfSplit: boolean },
): { q: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const inputs: tf.NamedTensorMap = { q, k, v, cos, sin, pastK, pastV };
  const [qr, kr, vr] = tf.engine().runKernel(ROPE_APPEND, inputs, { ...heads }) as tf.Tensor4D[];
  return { q: qr, k: kr, v: vr };
}

/**
 * The cache after a forward: the new keys and values (past included), and each row's validity and
 * next rotary position extended by the new tokens' mask [B, T].
 */
export function extendCache(cache: KvCache | null, mask: Mask, k: tf.Tensor4D[], v: tf.Tensor4D[]): KvCache {
  const valid = mask.map((row, i) => [...(cache?.valid[i] ?? []), ...row]);
  const nextPosition = mask.map((row, i) => (cache?.nextPosition[i] ?? 0) + row.reduce((s, m) => s + (m ? 1 : 0), 0));
  return { k, v, valid, nextPosition };
}
