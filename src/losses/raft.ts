/**
 * The RAFT loss (Lukasik et al., ICLR 2025): squared error of RAIL's expected score,
 *
 *     ℓ_RAFT = (y* − Σ_k grid_k · p(id_k | x))²          (docs/method.md §3)
 *
 * computed from one forward pass, with no sampling and no renormalisation over the grid.
 *
 * @module losses/raft
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../engine/asserts';
import { expectedScore, type ExpectedScoreOptions } from './expectedScore';

/** Gold scores as a JS array or a [B] tensor; checked to be finite. */
export type GoldScores = readonly number[] | tf.Tensor1D;

/** Converts gold scores to a [B] float32 tensor, checking the batch size and finiteness. */
export function goldTensor(gold: GoldScores, batch: number, name = 'gold'): tf.Tensor1D {
  if (gold instanceof tf.Tensor) {
    assertShape(gold, [batch], name);
    return gold.toFloat() as tf.Tensor1D;
  }
  if (gold.length !== batch) throw new Error(`${name}: expected ${batch} scores, got ${gold.length}`);
  gold.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${name}[${i}] = ${v} is not a finite number`);
  });
  return tf.tensor1d(gold as number[], 'float32');
}

/** Options of {@link raftLoss}. */
export interface RaftLossOptions extends ExpectedScoreOptions {
  /**
   * `'mean'` (default): mean over the batch. `'sum'`: sum over the batch (the official code's
   * behaviour when `num_items_in_batch` is None).
   */
  reduction?: 'mean' | 'sum';
}

/**
 * Per-example squared error of the expected score, (ŷ_b − y*_b)².
 * @param logits [B, V] logits at the score position; @param gold [B]
 * @returns [B]; the caller owns it.
 */
export function raftSquaredErrors(
  logits: tf.Tensor2D,
  scoreTokenIds: readonly number[],
  gold: GoldScores,
  options: ExpectedScoreOptions = {},
): tf.Tensor1D {
  assertShape(logits, [null, null], 'logits');
  return tf.tidy(() => {
    const y = goldTensor(gold, logits.shape[0]); // [B]
    const yHat = expectedScore(logits, scoreTokenIds, options.grid, options); // [B]
    return tf.squaredDifference(yHat, y) as tf.Tensor1D; // [B]
  });
}

/**
 * The RAFT loss: mean over the batch of (Σ_k grid_k·p(id_k) − y*)².
 *
 * @param logits        [B, V] logits at the position that predicts the score token
 * @param scoreTokenIds [K] vocabulary ids of "1".."K"
 * @param gold          [B] gold scores (may be fractional)
 * @returns a scalar; the caller owns it.
 * @example
 * ```ts
 * // V = 3, ids [0, 1], grid [1, 2]: rows log([.5,.25,.25]) and log([.1,.8,.1]), gold 2 and 2
 * raftLoss(logits, [0, 1], [2, 2]); // (1 + 0.09) / 2 = 0.545
 * ```
 */
export function raftLoss(
  logits: tf.Tensor2D,
  scoreTokenIds: readonly number[],
  gold: GoldScores,
  options: RaftLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const se = raftSquaredErrors(logits, scoreTokenIds, gold, options); // [B]
    return (options.reduction === 'sum' ? tf.sum(se) : tf.mean(se)) as tf.Scalar;
  });
}
