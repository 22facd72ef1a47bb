/**
 * Self-CoT generation (TRACT §5): one sampled CoT per training prompt from the stage-1 model, cut
 * at "So the overall"; the stage-2 target appends " So the overall score is <gold>" (the model's
 * own score is discarded). Cached as JSONL, appended batch by batch, so that an interrupted run
 * resumes where it stopped and a rerun does not regenerate.
 *
 * @module tract/selfCot
 */
import { appendFileSync, existsSync, renameSync } from 'node:fs';
import { readJsonl } from '../io/jsonl';
import { generate } from '../decoding/generate';
import type { JudgeTokens } from '../data/judgeTokens';
import { checkClauses, type TinyJudgeExample } from '../data/tinyJudge';
import type { LlamaModel } from '../model/llama';
import type { SamplingConfig } from './config';
import type { SelfCotRecord } from './judgeData';

/** Counts reported for a set of self-CoTs. */
export interface SelfCotStats {
  n: number;
  /** CoTs in which " So the overall" was found and cut. */
  cut: number;
  /** CoTs with no tokens left after cutting. */
  empty: number;
  /** Mean fraction of criteria with the right yes/no clause. */
  clauseAccuracy: number;
  /** Fraction of CoTs with exactly one clause per criterion, in order. */
  wellFormed: number;
  /** Fraction whose clauses are all right (the CoT matches the reference decisions). */
  allCorrect: number;
}

export function selfCotStats(records: SelfCotRecord[]): SelfCotStats {
  const n = records.length;
  const mean = (f: (r: SelfCotRecord) => number) => (n ? records.reduce((s, r) => s + f(r), 0) / n : NaN);
  return {
    n,
    cut: records.filter((r) => r.cut).length,
    empty: records.filter((r) => r.ids.length === 0).length,
    clauseAccuracy: mean((r) => r.clauseCorrect / Math.max(1, r.clauseTotal)),
    wellFormed: mean((r) => (r.wellFormed ? 1 : 0)),
    allCorrect: mean((r) => (r.clauseCorrect === r.clauseTotal ? 1 : 0)),
  };
}

/** Samples CoTs for `prompts` (ids) and cuts them; shared by self-CoT generation and evaluation. */
export async function sampleCots(
  model: LlamaModel,
  jt: JudgeTokens,
  prompts: number[][],
  sampling: SamplingConfig,
  seed: string,
): Promise<{ ids: number[]; text: string; cut: boolean }[]> {
  const gens = await generate(model, jt.tokenizer, prompts, {
    maxNewTokens: sampling.maxNewTokens,
    temperature: sampling.temperature,
    topP: sampling.topP,
    repetitionPenalty: sampling.repetitionPenalty,
    stop: ['So the overall'],
    seed,
  });
  return gens.map((g) => {
    const { ids, cut } = jt.cutGenerated(g.tokenIds);
    let kept = ids;
    let found = cut;
    if (!cut && g.finishReason === 'stop') {
      // the phrase came out in another tokenization: cut the text and re-encode it
      kept = jt.cot(g.text);
      found = true;
    }
    return { ids: kept, text: jt.tokenizer.decode(kept), cut: found };
  });
}

/**
 * Generates (or loads from `file`) one self-CoT per example.
 * @param onProgress called with (done, total) after each batch
 */
export async function generateSelfCots(opts: {
  model: LlamaModel;
  jt: JudgeTokens;
  examples: readonly TinyJudgeExample[];
  sampling: SamplingConfig & { seed: number | string };
  batchSize: number;
  file: string;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ records: SelfCotRecord[]; stats: SelfCotStats; reused: boolean }> {
  const { file, examples } = opts;
  if (existsSync(file)) {
    const records = readJsonl<SelfCotRecord>(file);
    return { records, stats: selfCotStats(records), reused: true };
  }
  const partial = `${file}.partial`;
  const done = new Map<string, SelfCotRecord>();
  if (existsSync(partial)) for (const r of readJsonl<SelfCotRecord>(partial)) done.set(r.id, r);
  const todo = examples.filter((e) => !done.has(e.id));
  for (let b = 0; b < todo.length; b += opts.batchSize) {
    const batch = todo.slice(b, b + opts.batchSize);
    const batchIndex = examples.indexOf(batch[0]);
    const cots = await sampleCots(opts.model, opts.jt, batch.map((e) => opts.jt.prompt(e.prompt)), opts.sampling, `${opts.sampling.seed}/self-cot/${batchIndex}`);
    const lines = batch.map((e, i) => {
      const check = checkClauses(cots[i].text, e.criteria);
      const rec: SelfCotRecord = { id: e.id, ids: cots[i].ids, text: cots[i].text, cut: cots[i].cut, clauseCorrect: check.correct, clauseTotal: check.total, wellFormed: check.wellFormed };
      done.set(e.id, rec);
      return JSON.stringify(rec);
    });
    appendFileSync(partial, `${lines.join('\n')}\n`);
    opts.onProgress?.(done.size, examples.length);
  }
  renameSync(partial, file);
  const records = examples.map((e) => done.get(e.id)!);
  return { records, stats: selfCotStats(records), reused: false };
}
