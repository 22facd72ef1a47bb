/**
 * Self-CoT generation (TRACT §5): one sampled CoT per training prompt from the stage-1 model, cut
 * at "So the overall"; the stage-2 target appends " So the overall score is <gold>" (the model's
 * own score is discarded). Cached as JSONL, appended batch by batch, so that an interrupted run
 * resumes where it stopped and a rerun does not regenerate.
 *
 * @module tract/selfCot
 */
import { existsSync, rmSync } from 'node:fs';
import { appendJsonl, readJsonl, readResumable, writeJsonl } from '../io/jsonl';
import { manifestProblem, writeManifest } from '../io/manifest';
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

/**
 * Samples CoTs for `prompts` (ids) and cuts them; shared by self-CoT generation and evaluation.
 * @param seeds one seed per prompt (derived from the example, never from its position in a batch), so
 *   a CoT does not depend on the batch size, the job or the point a run resumed from
 */
export async function sampleCots(
  model: LlamaModel,
  jt: JudgeTokens,
  prompts: number[][],
  sampling: SamplingConfig,
  seeds: readonly string[],
): Promise<{ ids: number[]; text: string; cut: boolean }[]> {
  const config = {
    maxNewTokens: sampling.maxNewTokens,
    temperature: sampling.temperature,
    topP: sampling.topP,
    repetitionPenalty: sampling.repetitionPenalty,
    stop: ['So the overall'],
  };
  const gens = await generate(model, jt.tokenizer, prompts, config, undefined, seeds);
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

/** The manifest of a self-CoT cache file. */
export function selfCotManifest(file: string): string {
  return `${file}.manifest.json`;
}

/**
 * The cached self-CoTs of `file` when its manifest matches it and it holds one record per example,
 * in order; else null, after reporting the damage and removing the entry.
 */
function reuseSelfCots(
  file: string,
  examples: readonly TinyJudgeExample[],
  onDamaged: (why: string) => void,
): SelfCotRecord[] | null {
  const manifest = selfCotManifest(file);
  if (!existsSync(file) && !existsSync(manifest)) return null;
  let problem = manifestProblem(manifest, { records: examples.length });
  let records: SelfCotRecord[] = [];
  if (!problem) {
    records = readJsonl<SelfCotRecord>(file);
    const bad = records.findIndex((r, i) => r.id !== examples[i]?.id);
    if (records.length !== examples.length || bad >= 0)
      problem = `${file}: record ${bad + 1} is not example ${examples[bad]?.id}`;
  }
  if (!problem) return records;
  onDamaged(`damaged self-CoT cache entry (${problem}): recomputing it`);
  rmSync(file, { force: true });
  rmSync(manifest, { force: true });
  return null;
}

/**
 * Generates (or loads from `file`) one self-CoT per example. The file is reused only when its
 * manifest (written last) matches it; an interrupted generation resumes from `<file>.partial`, whose
 * torn last line is dropped. Each CoT's seed comes from its example's id, so the batch size and the
 * resume point do not change the CoTs.
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
  /** Reports a damaged cache entry that is thrown away (default: console.error). */
  onDamaged?: (why: string) => void;
}): Promise<{ records: SelfCotRecord[]; stats: SelfCotStats; reused: boolean }> {
  const { file, examples } = opts;
  const cached = reuseSelfCots(file, examples, opts.onDamaged ?? ((why) => console.error(why)));
  if (cached) return { records: cached, stats: selfCotStats(cached), reused: true };
  const partial = `${file}.partial`;
  const done = new Map<string, SelfCotRecord>();
  for (const r of readResumable<SelfCotRecord>(partial)) done.set(r.id, r);
  const todo = examples.filter((e) => !done.has(e.id));
  for (let b = 0; b < todo.length; b += opts.batchSize) {
    const batch = todo.slice(b, b + opts.batchSize);
    const prompts = batch.map((e) => opts.jt.prompt(e.prompt));
    const seeds = batch.map((e) => `${opts.sampling.seed}/self-cot/${e.id}`);
    const cots = await sampleCots(opts.model, opts.jt, prompts, opts.sampling, seeds);
    const records = batch.map((e, i): SelfCotRecord => {
      const check = checkClauses(cots[i].text, e.criteria);
      const c = cots[i];
      return {
        id: e.id,
        ids: c.ids,
        text: c.text,
        cut: c.cut,
        clauseCorrect: check.correct,
        clauseTotal: check.total,
        wellFormed: check.wellFormed,
      };
    });
    for (const r of records) done.set(r.id, r);
    appendJsonl(partial, records);
    opts.onProgress?.(done.size, examples.length);
  }
  const records = examples.map((e) => done.get(e.id) as SelfCotRecord);
  writeJsonl(file, records); // in example order, whatever order the partial file was written in
  writeManifest(selfCotManifest(file), [file], { records: records.length });
  rmSync(partial, { force: true });
  return { records, stats: selfCotStats(records), reused: false };
}
