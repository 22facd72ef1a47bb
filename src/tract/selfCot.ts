/**
 * Self-CoT generation (TRACT §5): one sampled CoT per training prompt from the stage-1 model, cut
 * at "So the overall"; the stage-2 target appends " So the overall score is <gold>" (the model's
 * own score is discarded). Cached as JSONL, appended batch by batch, so that an interrupted run
 * resumes where it stopped and a rerun does not regenerate.
 *
 * @module tract/selfCot
 */
import { existsSync, renameSync } from 'node:fs';
import { appendJsonl, readJsonl, readResumable } from '../io/jsonl';
import { generate } from '../decoding/generate';
import type { JudgeTokens } from '../data/judgeTokens';
import { checkClauses, type TinyJudgeExample } from '../data/tinyJudge';
import type { LlamaModel } from '../model/llama';
import type { SamplingConfig, SelfCotStats } from '../results/formats';
import type { SelfCotRecord } from './judgeData';

/** The counts of a set of self-CoTs (clause accuracy, cut, empty, well-formed, all right). */
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
  for (const r of readResumable<SelfCotRecord>(partial)) done.set(r.id, r);
  const todo = examples.filter((e) => !done.has(e.id));
  for (let b = 0; b < todo.length; b += opts.batchSize) {
    const batch = todo.slice(b, b + opts.batchSize);
    const batchIndex = examples.indexOf(batch[0]);
    const cots = await sampleCots(opts.model, opts.jt, batch.map((e) => opts.jt.prompt(e.prompt)), opts.sampling, `${opts.sampling.seed}/self-cot/${batchIndex}`);
    const records = batch.map((e, i): SelfCotRecord => {
      const check = checkClauses(cots[i].text, e.criteria);
      const c = cots[i];
      return { id: e.id, ids: c.ids, text: c.text, cut: c.cut, clauseCorrect: check.correct, clauseTotal: check.total, wellFormed: check.wellFormed };
    });
    for (const r of records) done.set(r.id, r);
    appendJsonl(partial, records);
    opts.onProgress?.(done.size, examples.length);
  }
  renameSync(partial, file);
  const records = examples.map((e) => done.get(e.id)!);
  return { records, stats: selfCotStats(records), reused: false };
}
