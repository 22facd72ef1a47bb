/**
 * Judging test examples with CoT-RAIL and standard decoding (docs/method.md §2.3-2.4), and the
 * metrics of a set of predictions.
 *
 * For each CoT: sample it, cut at "So the overall", force " So the overall score is ", run one
 * forward pass, and read (a) RAIL: Σ k·p(k) over the full-vocabulary softmax, and (b) standard
 * decoding: one token sampled from the same distribution (repetition penalty, T, top-p as the
 * CoT sampling), a score only if it is a digit token, otherwise invalid. Score-only methods skip
 * the CoT and read the distribution after the prompt and the space token. With n CoTs the
 * per-CoT values are averaged (standard decoding: over the valid ones, as `np.nanmean`).
 *
 * @module tract/evaluate
 */
import * as tf from '@tensorflow/tfjs';
import { nextTokenLogits } from '../decoding/generate';
import { applyRepetitionPenalty, applyTemperature, applyTopP, softmax } from '../decoding/logitsProcessors';
import type { JudgeTokens } from '../data/judgeTokens';
import { checkClauses, type Criterion } from '../data/tinyJudge';
import { Rng } from '../engine/rng';
import { expectedScore, scoreProbabilities } from '../losses/expectedScore';
import { bootstrapCI } from '../metrics/bootstrap';
import { dropInvalid, kendallTauB, pearson, rmse, spearman } from '../metrics/correlation';
import type { LlamaModel } from '../model/llama';
import type { CotReadout, EvalConfig, Prediction, SplitMetrics } from '../results/formats';
import { sampleCots } from './selfCot';

/**
 * An example to judge: a TinyJudge example, or a benchmark record (src/tract/benchmarkEval.ts).
 * `criteria` (TinyJudge only) lets each CoT's clauses be checked.
 */
export interface JudgeExample {
  id: string;
  /** The judge prompt for CoT methods. */
  prompt: string;
  /** The score-only prompt (score-only methods). */
  promptScoreOnly?: string;
  /** The evaluation label (e.g. the mean of the annotators). */
  label: number;
  /** The integer gold score (TinyJudge: 1 + criteria met; benchmarks: the rounded label). */
  goldExact: number;
  criteria?: readonly Criterion[];
}

/** Options of {@link judgeExamples}. */
export interface JudgeOptions {
  model: LlamaModel;
  jt: JudgeTokens;
  examples: readonly JudgeExample[];
  promptKind: 'cot' | 'score-only';
  /** Token ids of an example's prompt (default: `jt.prompt` of its text); e.g. a chat-wrapped or truncated prompt. */
  promptIds?: (ex: JudgeExample, kind: 'cot' | 'score-only') => number[];
  eval: Omit<EvalConfig, 'seed'> & { seed: number | string };
  split: string;
  onProgress?: (done: number, total: number) => void;
}

/** The prompt ids of a batch. */
function batchPrompts(opts: JudgeOptions, batch: readonly JudgeExample[]): number[][] {
  return batch.map((ex) => {
    if (opts.promptIds) return opts.promptIds(ex, opts.promptKind);
    if (opts.promptKind === 'score-only' && ex.promptScoreOnly === undefined) {
      throw new Error(`example ${ex.id} has no score-only prompt`);
    }
    return opts.jt.prompt(opts.promptKind === 'cot' ? ex.prompt : (ex.promptScoreOnly as string));
  });
}

/**
 * The score readouts at the score position of each prefix: p(1..K) and RAIL through the tested loss
 * code (`losses/expectedScore.ts`, full-vocabulary softmax, no renormalisation), and the raw logits
 * for standard decoding. Each prefix runs on its own (no padding), so its readout is bit-identical
 * whatever batch it came in.
 */
function scoreReadouts(
  model: LlamaModel,
  jt: JudgeTokens,
  prefixes: number[][],
): { probs: number[][]; rail: number[]; logits: Float32Array[] } {
  const out = { probs: [] as number[][], rail: [] as number[], logits: [] as Float32Array[] };
  for (const prefix of prefixes) {
    const logits = nextTokenLogits(model, [prefix], jt.tokenizer.pad); // [1, V]
    // [1, K], [1]
    const [probs, rail] = tf.tidy(() => [scoreProbabilities(logits, jt.scoreIds), expectedScore(logits, jt.scoreIds)]);
    out.probs.push((probs.arraySync() as number[][])[0]);
    out.rail.push((rail.dataSync() as Float32Array)[0]);
    out.logits.push((logits.dataSync() as Float32Array).slice());
    tf.dispose([logits, probs, rail]);
  }
  return out;
}

/**
 * Standard decoding: one token sampled after the prefix with the CoT sampling's repetition
 * penalty, temperature and top-p; a score only when it is a score token.
 */
function sampleScore(
  z: Float32Array,
  prefix: readonly number[],
  e: JudgeOptions['eval'],
  jt: JudgeTokens,
  rng: Rng,
): number | null {
  let zs = applyRepetitionPenalty(z, prefix, e.repetitionPenalty);
  zs = applyTopP(applyTemperature(zs, Math.max(e.temperature, 1e-6)), e.topP);
  const k = jt.scoreIds.indexOf(rng.categorical(softmax(zs)));
  return k >= 0 ? k + 1 : null;
}

/**
 * Judges one batch once (one CoT per example, or the score-only readout). Every random draw of an
 * example (its CoT, its standard-decoding sample) comes from a seed of the example's id and the CoT
 * index, so a prediction does not depend on the batch size, the batch it is in, or a resume point.
 */
async function judgeBatch(opts: JudgeOptions, batch: readonly JudgeExample[], cotIndex: number): Promise<CotReadout[]> {
  const { model, jt } = opts;
  const e = opts.eval;
  const prompts = batchPrompts(opts, batch);
  const seedOf = (kind: string, ex: JudgeExample) => `${e.seed}/${kind}/${opts.split}/${cotIndex}/${ex.id}`;
  const cotSeeds = batch.map((ex) => seedOf('eval', ex));
  const cots = opts.promptKind === 'cot' ? await sampleCots(model, jt, prompts, e, cotSeeds) : null;
  const prefixes = prompts.map((p, i) =>
    cots ? [...p, ...cots[i].ids, ...jt.cotContext] : [...p, ...jt.scoreOnlyContext],
  );
  const { probs, rail, logits } = scoreReadouts(model, jt, prefixes);
  return batch.map((ex, i) => {
    const r: CotReadout = {
      cot: cots ? cots[i].text : null,
      probs: probs[i],
      massOutside: 1 - probs[i].reduce((s, x) => s + x, 0),
      rail: rail[i],
      standard: sampleScore(logits[i], prefixes[i], e, jt, new Rng(seedOf('standard', ex))),
    };
    if (cots && ex.criteria) r.clauseCorrect = checkClauses(cots[i].text, ex.criteria).correct;
    return r;
  });
}

/** One prediction from an example's readouts: RAIL averaged, standard decoding averaged over the valid ones. */
export function predictionOf(ex: JudgeExample, split: string, rs: CotReadout[]): Prediction {
  const valid = rs.map((r) => r.standard).filter((s): s is number => s !== null);
  return {
    id: ex.id,
    split,
    gold: ex.label,
    goldExact: ex.goldExact,
    readouts: rs,
    rail: rs.reduce((s, r) => s + r.rail, 0) / rs.length,
    standard: valid.length ? valid.reduce((s, x) => s + x, 0) / valid.length : null,
  };
}

/** Judges `examples` with the model: `eval.nCot` CoTs each (one readout for score-only prompts). */
export async function judgeExamples(opts: JudgeOptions): Promise<Prediction[]> {
  const { examples } = opts;
  const e = opts.eval;
  const readouts: CotReadout[][] = examples.map(() => []);
  const nCot = opts.promptKind === 'cot' ? e.nCot : 1;
  let done = 0;
  for (let c = 0; c < nCot; c++) {
    for (let b = 0; b < examples.length; b += e.batchSize) {
      const batch = examples.slice(b, b + e.batchSize);
      const rs = await judgeBatch(opts, batch, c);
      rs.forEach((r, i) => {
        readouts[b + i].push(r);
      });
      done += batch.length;
      opts.onProgress?.(done, examples.length * nCot);
    }
  }
  return examples.map((ex, i) => predictionOf(ex, opts.split, readouts[i]));
}

/** Metrics of a prediction column against the labels; invalid predictions are dropped and counted. */
export function splitMetrics(
  pred: (number | null)[],
  gold: number[],
  samples: number,
  seed: number | string,
): SplitMetrics {
  const kept = dropInvalid(pred, gold);
  if (kept.x.length < 3) {
    return {
      n: pred.length,
      nInvalid: kept.dropped,
      pearson: NaN,
      pearsonLo: NaN,
      pearsonHi: NaN,
      spearman: NaN,
      kendall: NaN,
      rmse: NaN,
    };
  }
  const ci = bootstrapCI(pearson, kept.x, kept.y, { samples, seed });
  return {
    n: pred.length,
    nInvalid: kept.dropped,
    pearson: ci.estimate,
    pearsonLo: ci.lower,
    pearsonHi: ci.upper,
    spearman: spearman(kept.x, kept.y),
    kendall: kendallTauB(kept.x, kept.y),
    rmse: rmse(kept.x, kept.y),
  };
}

/** Mean over predictions of a readout field (probability mass outside digits, clause accuracy). */
export function meanReadout(preds: Prediction[], f: (r: CotReadout) => number | undefined): number {
  const xs = preds.flatMap((p) => p.readouts.map(f)).filter((x): x is number => typeof x === 'number');
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;
}
