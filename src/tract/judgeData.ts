/**
 * From TinyJudge examples to tokenized training examples for each kind of stage data, and the
 * teacher-forced validation metrics the trainer logs (loss, RAIL Pearson, decision accuracy).
 *
 * @module tract/judgeData
 */
import * as tf from '@tensorflow/tfjs';
import type { JudgeTokens } from '../data/judgeTokens';
import type { TinyJudgeExample } from '../data/tinyJudge';
import { judgeObjective, type ObjectiveSpec } from '../losses/objective';
import { pearson } from '../metrics/correlation';
import type { LlamaModel } from '../model/llama';
import { buildExample, collate, type TrainExample, type TruncationStats } from '../training/batches';
import type { StageData } from './methods';

/** A stored self-generated CoT (one line of the self-CoT JSONL cache). */
export interface SelfCotRecord {
  id: string;
  /** CoT token ids, cut before " So the overall". */
  ids: number[];
  text: string;
  /** The phrase " So the overall" was found and cut. */
  cut: boolean;
  /** Clauses with the right yes/no, out of `clauseTotal` (TinyJudge). */
  clauseCorrect: number;
  clauseTotal: number;
  wellFormed: boolean;
}

/** First tokens of the decision words " yes" and " no" (TinyJudge's per-criterion decisions). */
export function decisionTokenIds(jt: JudgeTokens): Set<number> {
  const t = jt.tokenizer;
  return new Set([t.encode(' yes', { prefixSpace: false })[0], t.encode(' no', { prefixSpace: false })[0]]);
}

/**
 * Tokenized training examples for one stage's data source.
 * @param selfCots required for 'self' and 'mixed'
 */
export function stageExamples(
  data: StageData,
  examples: readonly TinyJudgeExample[],
  jt: JudgeTokens,
  maxLen: number,
  stats: TruncationStats,
  selfCots?: Map<string, SelfCotRecord>,
): TrainExample[] {
  const decisions = decisionTokenIds(jt);
  const checks = (cot: number[]) => cot.flatMap((id, i) => (decisions.has(id) ? [i] : []));
  const out: TrainExample[] = [];
  const add = (id: string, prompt: number[], cot: number[] | null, gold: number) => {
    const target = cot === null ? jt.scoreOnlyTarget(gold) : jt.cotTarget(cot, gold);
    const ex = buildExample(id, prompt, target, gold, maxLen, stats, cot === null ? [] : checks(cot));
    if (ex) out.push(ex);
  };
  for (const e of examples) {
    if (data === 'score-only') add(e.id, jt.prompt(e.promptScoreOnly), null, e.goldExact);
    if (data === 'reference' || data === 'mixed')
      add(data === 'mixed' ? `${e.id}/ref` : e.id, jt.prompt(e.prompt), jt.cot(e.referenceCot), e.goldExact);
    if (data === 'self' || data === 'mixed') {
      const rec = selfCots?.get(e.id);
      if (!rec) throw new Error(`stage data '${data}': no self-generated CoT for example ${e.id}`);
      add(data === 'mixed' ? `${e.id}/self` : e.id, jt.prompt(e.prompt), rec.ids, e.goldExact);
    }
  }
  return out;
}

/**
 * Teacher-forced validation: the objective's loss, Pearson of the RAIL expectation at the score
 * position against gold, and the accuracy of greedy predictions at decision tokens.
 */
export function teacherForcedEval(
  model: LlamaModel,
  examples: TrainExample[],
  pad: number,
  scoreIds: readonly number[],
  spec: ObjectiveSpec,
  batchSize = 16,
): Record<string, number> {
  let lossSum = 0;
  let decisionsRight = 0;
  let decisionsTotal = 0;
  const rail: number[] = [];
  const gold: number[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const batch = collate(examples.slice(i, i + batchSize), pad);
    const logits = model.forward(batch.ids, { attentionMask: batch.attention });
    const parts = judgeObjective(logits, batch, scoreIds, spec, Number.MAX_SAFE_INTEGER);
    lossSum += parts.total.dataSync()[0] * batch.examples.length;
    tf.dispose(parts);
    const [b, t, v] = logits.shape;
    const data = logits.dataSync();
    for (let r = 0; r < b; r++) {
      const row = (pos: number) => data.subarray((r * t + pos) * v, (r * t + pos + 1) * v);
      const z = row(batch.scorePos[r] - 1);
      let max = -Infinity;
      for (let j = 0; j < v; j++) max = Math.max(max, z[j]);
      let denom = 0;
      for (let j = 0; j < v; j++) denom += Math.exp(z[j] - max);
      rail.push(scoreIds.reduce((s, id, k) => s + (k + 1) * (Math.exp(z[id] - max) / denom), 0));
      gold.push(batch.gold[r]);
      for (const p of batch.examples[r].checkPositions ?? []) {
        const zp = row(p - 1);
        let arg = 0;
        for (let j = 1; j < v; j++) if (zp[j] > zp[arg]) arg = j;
        decisionsTotal++;
        if (arg === batch.ids[r][p]) decisionsRight++;
      }
    }
    logits.dispose();
  }
  const out: Record<string, number> = { valLoss: lossSum / examples.length, valPearson: pearson(rail, gold) };
  if (decisionsTotal > 0) out.decisionAcc = decisionsRight / decisionsTotal;
  return out;
}
