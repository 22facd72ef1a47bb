/**
 * The toy judge task of the trainer tests: a tiny Llama config and examples whose score is 1 + the
 * count of token 10 in the prompt (capped at 4), with a short CoT before the score token.
 */
import { Rng } from '../../src/engine/rng';
import { makeConfig } from '../../src/model/config';
import { buildExample, emptyTruncationStats, type TrainExample } from '../../src/training/batches';

/** The toy vocabulary's score tokens "1".."5". */
export const SCORE_IDS = [3, 4, 5, 6, 7];

/** A 2-layer model over the 24-token toy vocabulary. */
export const tinyConfig = () =>
  makeConfig({ dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 32, vocabSize: 24, maxSeqLen: 32 });

/** Toy judge data: the score is 1 + (count of token 10 in the prompt, capped at 4); CoT lists the tokens. */
export function toyExamples(n: number, seed = 1): TrainExample[] {
  const rng = new Rng(seed);
  const stats = emptyTruncationStats();
  return Array.from({ length: n }, (_, i) => {
    const len = 4 + rng.int(5);
    const prompt = [1, ...Array.from({ length: len }, () => (rng.uniform() < 0.3 ? 10 : 11 + rng.int(8)))];
    const gold = 1 + Math.min(4, prompt.filter((t) => t === 10).length);
    const target = [20, 21, 22, SCORE_IDS[gold - 1], 2];
    return buildExample(`toy-${i}`, prompt, target, gold, 32, stats) as TrainExample;
  });
}
