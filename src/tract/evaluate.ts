/**
 * Judging test examples with CoT-RAIL and standard decoding (tract-method.md §2.3-2.4), and the
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
import { nextTokenLogits } from '../decoding/generate';
import { applyRepetitionPenalty, applyTemperature, applyTopP, softmax } from '../decoding/logitsProcessors';
import type { JudgeTokens } from '../data/judgeTokens';
import { checkClauses, type Criterion } from '../data/tinyJudge';
import { Rng } from '../engine/rng';
import { bootstrapCI } from '../metrics/bootstrap';
import { dropInvalid, kendallTauB, pearson, rmse, spearman } from '../metrics/correlation';
import type { LlamaModel } from '../model/llama';
import type { ExperimentConfig } from './config';
import { sampleCots } from './selfCot';

/** The readout of one CoT (or of the score-only prompt). */
export interface CotReadout {
  cot: string | null;
  /** p("1")..p("5") under the full softmax. */
  probs: number[];
  /** 1 − Σ p(digits). */
  massOutside: number;
  rail: number;
  /** Sampled score, or null when the sampled token is not a digit. */
  standard: number | null;
  clauseCorrect?: number;
}

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

/** One line of `predictions.jsonl`. */
export interface Prediction {
  id: string;
  split: string;
  /** The evaluation label (mean of the annotators). */
  gold: number;
  goldExact: number;
  readouts: CotReadout[];
  /** Mean RAIL over the CoTs. */
  rail: number;
  /** Mean of the valid standard-decoding scores, null if none is valid. */
  standard: number | null;
}

/** Judges `examples` with the model. */
export async function judgeExamples(opts: {
  model: LlamaModel;
  jt: JudgeTokens;
  examples: readonly JudgeExample[];
  promptKind: 'cot' | 'score-only';
  /** Token ids of an example's prompt (default: `jt.prompt` of its text); e.g. a chat-wrapped or truncated prompt. */
  promptIds?: (ex: JudgeExample, kind: 'cot' | 'score-only') => number[];
  eval: Omit<ExperimentConfig['eval'], 'seed'> & { seed: number | string };
  split: string;
  onProgress?: (done: number, total: number) => void;
}): Promise<Prediction[]> {
  const { model, jt, examples } = opts;
  const e = opts.eval;
  const readouts: CotReadout[][] = examples.map(() => []);
  const nCot = opts.promptKind === 'cot' ? e.nCot : 1;
  const rng = new Rng(`${e.seed}/standard/${opts.split}`);
  let done = 0;
  for (let c = 0; c < nCot; c++) {
    for (let b = 0; b < examples.length; b += e.batchSize) {
      const batch = examples.slice(b, b + e.batchSize);
      const prompts = batch.map((ex) => {
        if (opts.promptIds) return opts.promptIds(ex, opts.promptKind);
        if (opts.promptKind === 'score-only' && ex.promptScoreOnly === undefined) throw new Error(`example ${ex.id} has no score-only prompt`);
        return jt.prompt(opts.promptKind === 'cot' ? ex.prompt : ex.promptScoreOnly!);
      });
      let cots: { ids: number[]; text: string }[] | null = null;
      if (opts.promptKind === 'cot') cots = await sampleCots(model, jt, prompts, e, `${e.seed}/eval/${opts.split}/${c}/${b}`);
      const prefixes = prompts.map((p, i) => (cots ? [...p, ...cots[i].ids, ...jt.cotContext] : [...p, ...jt.scoreOnlyContext]));
      const logits = nextTokenLogits(model, prefixes, jt.tokenizer.pad);
      const rows = logits.dataSync() as Float32Array;
      const v = logits.shape[1];
      logits.dispose();
      batch.forEach((ex, i) => {
        const z = rows.slice(i * v, (i + 1) * v);
        const p = softmax(z);
        const probs = jt.scoreIds.map((id) => p[id]);
        const sumDigits = probs.reduce((s, x) => s + x, 0);
        let zs = applyRepetitionPenalty(z, prefixes[i], e.repetitionPenalty);
        zs = applyTopP(applyTemperature(zs, Math.max(e.temperature, 1e-6)), e.topP);
        const token = rng.categorical(softmax(zs));
        const k = jt.scoreIds.indexOf(token);
        const r: CotReadout = {
          cot: cots ? cots[i].text : null,
          probs,
          massOutside: 1 - sumDigits,
          rail: probs.reduce((s, x, j) => s + (j + 1) * x, 0),
          standard: k >= 0 ? k + 1 : null,
        };
        if (cots && ex.criteria) r.clauseCorrect = checkClauses(cots[i].text, ex.criteria).correct;
        readouts[b + i].push(r);
      });
      done += batch.length;
      opts.onProgress?.(done, examples.length * nCot);
    }
  }
  return examples.map((ex, i) => {
    const rs = readouts[i];
    const valid = rs.map((r) => r.standard).filter((s): s is number => s !== null);
    return {
      id: ex.id,
      split: opts.split,
      gold: ex.label,
      goldExact: ex.goldExact,
      readouts: rs,
      rail: rs.reduce((s, r) => s + r.rail, 0) / rs.length,
      standard: valid.length ? valid.reduce((s, x) => s + x, 0) / valid.length : null,
    };
  });
}

/** Agreement of one readout with the labels, with a bootstrap interval for Pearson. */
export interface SplitMetrics {
  n: number;
  nInvalid: number;
  pearson: number;
  pearsonLo: number;
  pearsonHi: number;
  spearman: number;
  kendall: number;
  rmse: number;
}

/** Metrics of a prediction column against the labels; invalid predictions are dropped and counted. */
export function splitMetrics(pred: (number | null)[], gold: number[], samples: number, seed: number | string): SplitMetrics {
  const kept = dropInvalid(pred, gold);
  if (kept.x.length < 3) {
    return { n: pred.length, nInvalid: kept.dropped, pearson: NaN, pearsonLo: NaN, pearsonHi: NaN, spearman: NaN, kendall: NaN, rmse: NaN };
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

