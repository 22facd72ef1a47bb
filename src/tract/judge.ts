/**
 * One judge interface, two backends: the local TF.js model ({@link LocalJudge}) and an OpenAI-compatible server
 * (tract/remoteJudge). Both judge examples the same way (docs/method.md §2.3-2.4: sample a CoT, force
 * " So the overall score is ", read p(1..K); standard decoding samples one token there) with the same per-example
 * seeds, so a remote judge serving the same model reproduces a local run.
 *
 * {@link judge} is the library entry point for notebooks and scripts: items in, per item the score, the K
 * probabilities, the CoTs and a failure reason out.
 *
 * @module tract/judge
 */
import { JudgeTokens } from '../data/judgeTokens';
import { TRACT_COT_SAMPLING } from '../decoding/generationConfig';
import type { LlamaModel } from '../model/llama';
import type { CotReadout, EvalConfig, Prediction } from '../results/formats';
import { scoreTokenIds } from '../tokenizer/scoreTokens';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { TRACT_SAMPLING } from './config';
import { type JudgeExample, judgeExamples } from './evaluate';

/** What one call of a backend judges: examples, how, and the seeds' root. */
export interface JudgeRequest {
  examples: readonly JudgeExample[];
  promptKind: 'cot' | 'score-only';
  /** Token ids of an example's prompt, when the caller encoded (chat-wrapped, truncated) it. */
  promptIds?: (ex: JudgeExample) => number[];
  /** The text sent for an example when no ids are (remote judges without a tokenizer); default `ex.prompt`. */
  promptText?: (ex: JudgeExample) => string;
  eval: Omit<EvalConfig, 'seed'> & { seed: number | string };
  split: string;
}

/** One example's outcome: its prediction, or why it could not be judged. */
export type JudgeOutcome = { prediction: Prediction; failure: null } | { prediction: null; failure: string };

/** A judge backend. */
export interface JudgeBackend {
  /** `local` or `openai`. */
  readonly kind: 'local' | 'openai';
  /** How p(1..K) is read: in-process, from prompt logprobs (`exact`) or from the top-k alternatives (`top-k`). */
  readonly readout: 'local' | 'exact' | 'top-k';
  /** The score scale K (scores 1..K). */
  readonly scale: number;
  /** What identifies the judge in a run's config (never a secret). */
  describe(): Record<string, unknown>;
  judgeExamples(req: JudgeRequest): Promise<JudgeOutcome[]>;
}

/** The score strings of a 1..K scale. */
export function scaleStrings(scale: number): string[] {
  if (!Number.isInteger(scale) || scale < 2) throw new RangeError(`score scale must be an integer >= 2, got ${scale}`);
  return Array.from({ length: scale }, (_, k) => String(k + 1));
}

/** The judge's token layout for a 1..K scale (score tokens derived from the tokenizer and checked). */
export function judgeTokensFor(tokenizer: Tokenizer, scale = 5): JudgeTokens {
  const jt = new JudgeTokens(tokenizer);
  if (scale === 5) return jt;
  // the same checks as the 1..5 ids: each score one bare token right after "So the overall score is "
  (jt as { scoreIds: number[] }).scoreIds = scoreTokenIds(tokenizer, scaleStrings(scale));
  return jt;
}

/** The TF.js model in this process. */
export class LocalJudge implements JudgeBackend {
  readonly kind = 'local';
  readonly readout = 'local';
  readonly model: LlamaModel;
  readonly jt: JudgeTokens;
  readonly scale: number;
  private readonly source: string;

  /** @param source what the model is (a path), for {@link describe} */
  constructor(model: LlamaModel, tokenizer: Tokenizer, opts: { scale?: number; source?: string } = {}) {
    this.model = model;
    this.scale = opts.scale ?? 5;
    this.jt = judgeTokensFor(tokenizer, this.scale);
    this.source = opts.source ?? 'in-process model';
  }

  describe(): Record<string, unknown> {
    return { backend: 'local', model: this.source, scale: this.scale };
  }

  async judgeExamples(req: JudgeRequest): Promise<JudgeOutcome[]> {
    const preds = await judgeExamples({
      model: this.model,
      jt: this.jt,
      examples: req.examples,
      promptKind: req.promptKind,
      promptIds: req.promptIds ? (ex) => (req.promptIds as (e: JudgeExample) => number[])(ex) : undefined,
      eval: req.eval,
      split: req.split,
    });
    return preds.map((prediction) => ({ prediction, failure: null }));
  }
}

/** An item for {@link judge}: a prompt (and optionally its label). */
export interface JudgeItem {
  id: string;
  /** The judge prompt (for CoT-RAIL, the prompt the CoT follows). */
  prompt: string;
  /** The label, when known (kept in the prediction). */
  label?: number;
}

/** Options of {@link judge}. */
export interface JudgeCallOptions {
  backend: JudgeBackend;
  /** The reported score: CoT-RAIL (expected score after the CoT) or standard decoding (a sampled score token). */
  decoding: 'cot-rail' | 'standard';
  /** CoTs per item (default 1). */
  nCot?: number;
  /** `cot` (default) or `score-only` prompts (the score read right after the prompt). */
  promptKind?: 'cot' | 'score-only';
  /** CoT sampling (default TRACT's: T 1.0, top-p 0.9, penalty 1.03, 1024 tokens) and seed (default 42). */
  sampling?: Partial<{ maxNewTokens: number; temperature: number; topP: number; repetitionPenalty: number }>;
  seed?: number | string;
  /** Examples per batch of the local backend (default 8). */
  batchSize?: number;
}

/** One judged item. */
export interface JudgeResult {
  id: string;
  /** The reported score (RAIL or the mean sampled score); null when it failed or no sample was a score. */
  score: number | null;
  /** Mean RAIL over the CoTs. */
  rail: number | null;
  /** Mean of the valid standard-decoding samples. */
  standard: number | null;
  /** Mean p(1..K) over the CoTs. */
  probs: number[];
  massOutside: number | null;
  cots: string[];
  readouts: CotReadout[];
  failure: string | null;
}

/**
 * Judges items with a backend.
 *
 * @example
 * ```ts
 * const backend = new RemoteJudge({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'judge' });
 * const [r] = await judge([{ id: 'a', prompt }], { backend, decoding: 'cot-rail', nCot: 3 });
 * console.log(r.score, r.probs, r.cots, r.failure);
 * ```
 */
export async function judge(items: readonly JudgeItem[], opts: JudgeCallOptions): Promise<JudgeResult[]> {
  const examples: JudgeExample[] = items.map((it) => ({
    id: it.id,
    prompt: it.prompt,
    promptScoreOnly: it.prompt,
    label: it.label ?? NaN,
    goldExact: it.label === undefined ? NaN : Math.round(it.label),
  }));
  const s = opts.sampling ?? {};
  const outcomes = await opts.backend.judgeExamples({
    examples,
    promptKind: opts.promptKind ?? 'cot',
    eval: {
      maxNewTokens: s.maxNewTokens ?? TRACT_COT_SAMPLING.maxNewTokens,
      temperature: s.temperature ?? TRACT_SAMPLING.temperature,
      topP: s.topP ?? TRACT_SAMPLING.topP,
      repetitionPenalty: s.repetitionPenalty ?? TRACT_SAMPLING.repetitionPenalty,
      nCot: opts.nCot ?? 1,
      seed: opts.seed ?? TRACT_COT_SAMPLING.seed,
      bootstrapSamples: 0,
      batchSize: opts.batchSize ?? 8,
    },
    split: 'judge',
  });
  return outcomes.map((o, i) => resultOf(items[i].id, o, opts.decoding, opts.backend.scale));
}

function resultOf(id: string, o: JudgeOutcome, decoding: 'cot-rail' | 'standard', scale: number): JudgeResult {
  if (o.prediction === null) {
    const nan = Array.from({ length: scale }, () => NaN);
    const none = { rail: null, standard: null, probs: nan, massOutside: null, cots: [], readouts: [] };
    return { id, score: null, ...none, failure: o.failure };
  }
  const p = o.prediction;
  const rs = p.readouts;
  const probs = Array.from({ length: scale }, (_, k) => rs.reduce((s, r) => s + r.probs[k], 0) / rs.length);
  return {
    id,
    score: decoding === 'cot-rail' ? p.rail : p.standard,
    rail: p.rail,
    standard: p.standard,
    probs,
    massOutside: rs.reduce((s, r) => s + r.massOutside, 0) / rs.length,
    cots: rs.map((r) => r.cot).filter((c): c is string => c !== null),
    readouts: rs,
    failure: null,
  };
}
