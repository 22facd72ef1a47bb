/**
 * Training examples as token ids, their truncation policy, and length-bucketed batches.
 *
 * @module training/batches
 */
import { Rng } from '../engine/rng';

/** One tokenized training example: prompt then target, target tokens supervised. */
export interface TrainExample {
  id: string;
  /** Prompt ids followed by target ids. */
  inputIds: number[];
  /** Index of the first target token. */
  targetStart: number;
  /** Gold score (integer for training data). */
  gold: number;
  /** Indices (into inputIds) of decision tokens whose teacher-forced accuracy is logged. */
  checkPositions?: number[];
}

/** Counts of what {@link buildExample} had to shorten or drop. */
export interface TruncationStats {
  examples: number;
  truncatedPrompts: number;
  droppedTooLong: number;
  droppedIds: string[];
}

export function emptyTruncationStats(): TruncationStats {
  return { examples: 0, truncatedPrompts: 0, droppedTooLong: 0, droppedIds: [] };
}

/**
 * Joins prompt and target within `maxLen`. The target is never cut (its score must survive):
 * an over-long prompt loses tokens from the left, after its first token (the BOS); an example
 * whose target alone does not fit is dropped. Both are counted in `stats`.
 */
export function buildExample(
  id: string,
  promptIds: readonly number[],
  targetIds: readonly number[],
  gold: number,
  maxLen: number,
  stats: TruncationStats,
  checkInTarget: readonly number[] = [],
): TrainExample | null {
  stats.examples++;
  if (targetIds.length < 2) throw new Error(`example ${id}: a target needs at least <digit><eos>`);
  let prompt = [...promptIds];
  if (prompt.length + targetIds.length > maxLen) {
    const keep = maxLen - targetIds.length - 1;
    if (keep < 1) {
      stats.droppedTooLong++;
      stats.droppedIds.push(id);
      return null;
    }
    prompt = [prompt[0], ...prompt.slice(prompt.length - keep)];
    stats.truncatedPrompts++;
  }
  return {
    id,
    inputIds: [...prompt, ...targetIds],
    targetStart: prompt.length,
    gold,
    checkPositions: checkInTarget.map((p) => prompt.length + p),
  };
}

/** A padded batch (right padding). */
export interface Batch {
  examples: TrainExample[];
  /** [B, T] ids, padded with `pad`. */
  ids: number[][];
  /** [B, T] 1 on supervised (target) tokens. */
  mask: number[][];
  /** [B, T] 1 on real tokens. */
  attention: number[][];
  /** [B] index of the score digit. */
  scorePos: number[];
  gold: number[];
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
}

/** Right-pads examples into a batch. */
export function collate(examples: TrainExample[], pad: number): Batch {
  const t = Math.max(...examples.map((e) => e.inputIds.length));
  return {
    examples,
    ids: examples.map((e) => [...e.inputIds, ...new Array<number>(t - e.inputIds.length).fill(pad)]),
    mask: examples.map((e) =>
      Array.from({ length: t }, (_, j) => (j >= e.targetStart && j < e.inputIds.length ? 1 : 0)),
    ),
    attention: examples.map((e) => Array.from({ length: t }, (_, j) => (j < e.inputIds.length ? 1 : 0))),
    scorePos: examples.map((e) => e.inputIds.length - 2),
    gold: examples.map((e) => e.gold),
    tokens: examples.reduce((s, e) => s + e.inputIds.length, 0),
  };
}

/**
 * The batch order of one epoch: shuffled, then sorted by length inside windows of
 * `bucketWindow` batches (less padding), then the batches shuffled. Deterministic in (seed, epoch).
 */
export function epochBatches(
  examples: readonly TrainExample[],
  batchSize: number,
  seed: number | string,
  epoch: number,
  bucketWindow = 8,
): TrainExample[][] {
  if (examples.length === 0) throw new Error('epochBatches: no training examples');
  const rng = new Rng(seed).fork(`data/epoch-${epoch}`);
  const order = rng.shuffle(examples);
  const batches: TrainExample[][] = [];
  const window = batchSize * Math.max(1, bucketWindow);
  for (let w = 0; w < order.length; w += window) {
    const chunk = order.slice(w, w + window).sort((a, b) => a.inputIds.length - b.inputIds.length);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}
