/**
 * RAIL's expected score, the quantity both RAFT and CoT-RAFT regress and CoT-RAIL predicts with:
 *
 *     ŷ = Σ_k grid_k · softmax(z)[id_k]          (docs/method.md §2.2)
 *
 * with the softmax over the FULL vocabulary and no renormalisation over the score tokens, as the
 * official code does (`generation_utils.py` L123-144, `custom_loss.py` L102-109): probability mass
 * on other tokens pulls ŷ toward 0. `renormalize: true` divides by Σ_k p(id_k) instead.
 *
 * @module losses/expectedScore
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../engine/asserts';

/** Options of {@link expectedScore} and the losses built on it. */
export interface ExpectedScoreOptions {
  /** Value of each score token (default 1..K). */
  grid?: readonly number[];
  /** Divide by the score tokens' total probability (default false: TRACT does not). */
  renormalize?: boolean;
}

/** Checks score token ids against the vocabulary size and returns the grid to use. */
export function checkScoreTokens(
  scoreTokenIds: readonly number[],
  vocabSize: number,
  grid?: readonly number[],
): number[] {
  if (scoreTokenIds.length === 0) throw new Error('scoreTokenIds: empty');
  const seen = new Set<number>();
  scoreTokenIds.forEach((id, k) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`scoreTokenIds[${k}] = ${id} is not a token id in [0, ${vocabSize})`);
    }
    if (seen.has(id)) throw new Error(`scoreTokenIds[${k}] = ${id} is repeated`);
    seen.add(id);
  });
  const g = grid ? [...grid] : scoreTokenIds.map((_, k) => k + 1);
  if (g.length !== scoreTokenIds.length) {
    throw new Error(`grid has ${g.length} values but scoreTokenIds has ${scoreTokenIds.length}`);
  }
  g.forEach((v, k) => {
    if (!Number.isFinite(v)) throw new RangeError(`grid[${k}] = ${v} is not finite`);
  });
  return g;
}

/** A [V, K] float32 matrix with a 1 at (id_k, k): `probs @ S` picks the score columns. */
function selector(scoreTokenIds: readonly number[], vocabSize: number): tf.Tensor2D {
  const data = new Float32Array(vocabSize * scoreTokenIds.length);
  scoreTokenIds.forEach((id, k) => {
    data[id * scoreTokenIds.length + k] = 1;
  });
  return tf.tensor2d(data, [vocabSize, scoreTokenIds.length]);
}

/**
 * Probability of each score token under the full-vocabulary softmax.
 * (A one-hot matmul rather than `tf.gather`, whose gradient the wasm backend lacks.)
 *
 * @param logits        [B, V] logits at the position that predicts the score token
 * @param scoreTokenIds [K] vocabulary ids of "1".."K"
 * @returns [B, K]; the caller owns it.
 */
export function scoreProbabilities(logits: tf.Tensor2D, scoreTokenIds: readonly number[]): tf.Tensor2D {
  assertShape(logits, [null, null], 'logits');
  checkScoreTokens(scoreTokenIds, logits.shape[1]);
  return tf.tidy(() => {
    const probs = tf.softmax(logits); // [B, V]
    return tf.matMul(probs, selector(scoreTokenIds, logits.shape[1])); // [B, K]
  });
}

/**
 * RAIL's expected score Σ_k grid_k · p(id_k).
 *
 * @param logits        [B, V] logits at the position that predicts the score token
 * @param scoreTokenIds [K] vocabulary ids of the score strings "1".."K" (see `scoreTokenIds()`)
 * @param grid          [K] value of each score token (default 1..K)
 * @returns [B] expected scores; the caller owns it.
 * @example
 * ```ts
 * const yHat = expectedScore(logitsAtScorePos, [475, 479, 472, 484, 480]); // [B]
 * ```
 */
export function expectedScore(
  logits: tf.Tensor2D,
  scoreTokenIds: readonly number[],
  grid?: readonly number[],
  options: Omit<ExpectedScoreOptions, 'grid'> = {},
): tf.Tensor1D {
  assertShape(logits, [null, null], 'logits');
  const g = checkScoreTokens(scoreTokenIds, logits.shape[1], grid);
  return tf.tidy(() => {
    const p = scoreProbabilities(logits, scoreTokenIds); // [B, K]
    const weighted = tf.sum(tf.mul(p, tf.tensor1d(g)), -1); // [B]
    if (!options.renormalize) return weighted as tf.Tensor1D;
    return tf.div(weighted, tf.sum(p, -1)) as tf.Tensor1D; // [B]
  });
}
