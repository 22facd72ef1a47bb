/**
 * The CoT-RAFT objective used in both TRACT stages (docs/method.md §4):
 *
 *     L = CE(CoT and wording tokens, not the digit) + λ · (Σ_k k·p(k | x, ŝ) − y*)²
 *
 * with the squared error read under teacher forcing (the context is the target CoT ŝ). This is the
 * intent of the official code (`custom_loss.py` L78-126): the score digit is trained only through
 * the regression term; `ceIncludesScoreToken: true` gives the paper formula's −log p([ŝ, y*] | x).
 *
 * Positions (Hugging Face convention: `targets` are the labels aligned with the input ids, and
 * the logits at position t predict the token at t + 1):
 *
 * ```
 *   position t :   0    1   ...  s-2    s-1     s       s+1
 *   input id   :   x0   x1  ...  "is"   "▁"    "4"     </s>
 *   mask       :   0    0   ...   1      1      1       1      (prompt 0, target 1)
 *   logits[t]  :  →x1  →x2  ...  →"▁"   →"4"   →</s>   (unused)
 *                                         ^
 *                     the score term reads logits[s-1]; s = scorePos, the digit's index
 * ```
 *
 * CE pairs logits[t] with targets[t+1] wherever mask[t+1] = 1, except t = s−1 (the digit).
 *
 * @module losses/cotRaft
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../engine/asserts';
import { gatherRows, oneHotFloat } from '../engine/ops';
import { checkTokenIds, gridTensor, weightedNll, type TokenGrid } from './crossEntropy';
import { raftSquaredErrors, type GoldScores } from './raft';

/** Tensors of one CoT-RAFT batch. */
export interface CotRaftBatch {
  /** [B, T, V] logits of the model on the input ids. */
  logits: tf.Tensor3D;
  /** [B, T] labels aligned with the input ids (the input ids themselves). */
  targets: TokenGrid;
  /** [B, T] 1 on supervised (target) tokens, 0 on prompt and padding. */
  mask: TokenGrid;
  /** [B] index of the score digit in each row ({@link findScorePositions}). */
  scorePos: readonly number[];
  /** [B] gold scores. */
  gold: GoldScores;
  /** [K] vocabulary ids of the score tokens "1".."K". */
  scoreTokenIds: readonly number[];
}

/** Options of {@link cotRaftLoss}; defaults are TRACT's. */
export interface CotRaftOptions {
  /** Weight λ of the squared-error term (default 1, hard-coded in the official code). */
  lambda?: number;
  /** Also train the digit with CE, as the paper's formula reads (default false, as the code). */
  ceIncludesScoreToken?: boolean;
  /**
   * `'mean'` (default): CE averaged over its tokens, squared error averaged over the batch.
   * `'officialParity'`: the official code's normalisation under transformers 4.46
   * (custom_loss.py L87-124): CE summed and divided by (supervised tokens incl. digits − B), and the
   * squared-error mean divided by B once more, i.e. an effective weight λ/B.
   */
  reduction?: 'mean' | 'officialParity';
  /** Score values (default 1..K). */
  grid?: readonly number[];
  /** Renormalise over the score tokens (default false, as TRACT). */
  renormalize?: boolean;
}

/** The loss and its two parts, each a scalar; the caller owns all three. */
export type CotRaftLoss = {
  total: tf.Scalar;
  ce: tf.Scalar;
  score: tf.Scalar;
};

/** Rows of a [B, T] grid as JS arrays. */
function rowsOf(grid: TokenGrid): number[][] {
  return grid instanceof tf.Tensor ? (grid.arraySync() as number[][]) : grid.map((r) => [...r]);
}

/**
 * The index of the score digit in each row: the second-to-last supervised token, since a target
 * ends `<digit><eos>` (custom_loss.py `extract_label_from_sequence`).
 *
 * @param targets [B, T] token ids (used only for their shape)
 * @param mask    [B, T] 1 on supervised tokens
 * @returns [B] positions
 * @throws naming the row, when a row has fewer than two supervised tokens (e.g. the target was
 *   truncated away).
 */
export function findScorePositions(targets: TokenGrid, mask: TokenGrid): number[] {
  const t = rowsOf(targets);
  const m = rowsOf(mask);
  if (t.length !== m.length) throw new Error(`findScorePositions: targets has ${t.length} rows, mask ${m.length}`);
  return m.map((row, b) => {
    if (row.length !== t[b].length) {
      throw new Error(`findScorePositions: row ${b} has ${t[b].length} targets but ${row.length} mask values`);
    }
    const supervised: number[] = [];
    row.forEach((v, i) => {
      if (v !== 0) supervised.push(i);
    });
    if (supervised.length < 2) {
      throw new Error(
        `findScorePositions: row ${b} has ${supervised.length} supervised token(s); ` +
          'a target must end <digit><eos> (was it truncated?)',
      );
    }
    return supervised[supervised.length - 2];
  });
}

/**
 * The CoT-RAFT loss.
 *
 * @returns `{ total, ce, score }` scalars: total = ce + λ·score (each normalised per `reduction`).
 * @example
 * ```ts
 * const scorePos = findScorePositions(ids, mask);
 * const { total, ce, score } = cotRaftLoss({ logits, targets: ids, mask, scorePos, gold, scoreTokenIds });
 * ```
 */
export function cotRaftLoss(batch: CotRaftBatch, options: CotRaftOptions = {}): CotRaftLoss {
  const { lambda = 1, ceIncludesScoreToken = false, reduction = 'mean', grid, renormalize = false } = options;
  if (!Number.isFinite(lambda) || lambda < 0)
    throw new RangeError(`cotRaftLoss: lambda must be a finite number >= 0, got ${lambda}`);
  if (reduction !== 'mean' && reduction !== 'officialParity') {
    throw new Error(`cotRaftLoss: unknown reduction '${reduction as string}' (expected 'mean' or 'officialParity')`);
  }
  const { logits, scorePos } = batch;
  assertShape(logits, [null, null, null], 'logits');
  const [b, t, v] = logits.shape;
  if (scorePos.length !== b) throw new Error(`scorePos: expected ${b} positions, got ${scorePos.length}`);
  const maskRows = rowsOf(batch.mask);
  scorePos.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1 || s >= t) {
      throw new RangeError(`scorePos[${i}] = ${s} is outside [1, ${t}) (the digit needs a predicting position)`);
    }
    if (maskRows[i]?.[s] === 0) throw new Error(`scorePos[${i}] = ${s} is not a supervised position of row ${i}`);
  });

  return tf.tidy(() => {
    const targets = gridTensor(batch.targets, [b, t], 'int32', 'targets'); // [B, T]
    const mask = gridTensor(batch.mask, [b, t], 'float32', 'mask'); // [B, T]
    // Next-token alignment: position t is scored against targets[t+1]; the last position has none.
    const nextTargets = tf.concat([tf.slice(targets, [0, 1], [b, t - 1]), tf.zeros([b, 1], 'int32')], 1); // [B, T]
    const nextMask = tf.concat([tf.slice(mask, [0, 1], [b, t - 1]), tf.zeros([b, 1])], 1); // [B, T]
    const scoreRows = tf.tensor1d(
      scorePos.map((s, i) => i * t + (s - 1)),
      'int32',
    ); // [B] flat index of logits[i, s-1]
    const atScore = tf.reshape(tf.sum(oneHotFloat(scoreRows, b * t), 0), [b, t]); // [B, T] 1 at (i, s_i − 1)
    const ceMask = ceIncludesScoreToken ? nextMask : tf.mul(nextMask, tf.sub(1, atScore)); // [B, T]

    const flatLogits = tf.reshape(logits, [b * t, v]) as tf.Tensor2D; // [N, V]
    const flatTargets = tf.reshape(nextTargets, [b * t]) as tf.Tensor1D; // [N]
    const flatMask = tf.reshape(ceMask, [b * t]) as tf.Tensor1D; // [N]
    const ceCount = tf.sum(flatMask).arraySync() as number;
    if (!(ceCount > 0))
      throw new Error(
        'cotRaftLoss: no token is supervised by CE (targets with only a digit need ceIncludesScoreToken)',
      );
    checkTokenIds(flatTargets, flatMask, v, 'targets');
    const denominator = reduction === 'officialParity' ? (tf.sum(nextMask).arraySync() as number) - b : ceCount;
    const ce = weightedNll(flatLogits, flatTargets, tf.div(flatMask, denominator) as tf.Tensor1D); // scalar

    const scoreLogits = gatherRows(flatLogits, scoreRows); // [B, V] logits[i, s_i − 1]
    const se = raftSquaredErrors(scoreLogits, batch.scoreTokenIds, batch.gold, { grid, renormalize }); // [B]
    const score = (reduction === 'officialParity' ? tf.div(tf.mean(se), b) : tf.mean(se)) as tf.Scalar;
    const total = tf.add(ce, tf.mul(score, lambda)) as tf.Scalar;
    return { total, ce, score };
  });
}
