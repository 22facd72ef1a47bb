/**
 * The paper's distribution-shift analysis (docs/method.md §8, "Other analyses"): how well a judge
 * scores TRAINING inputs when the score is read after a given CoT. The stage-1 model fits the
 * reference (GPT-4) CoTs it was trained on (paper: RMSE 0.12) but not the CoTs it writes itself
 * (0.63), which is the shift that stage 2 trains on; the stage-2 model gives 0.45 and 0.45.
 *
 * Each score is a teacher-forced RAIL readout: prefix = prompt + CoT + " So the overall score is ",
 * one forward pass, Σ k·p(k) under the full softmax at the next position (exactly the readout of
 * CoT-RAIL, `evaluate.ts`, with the CoT given instead of sampled). RMSE is against the integer
 * training target (`goldExact`, the score the stages were trained to predict), not the annotators'
 * mean.
 *
 * CoTs per condition: the reference CoTs; the stage-1 model's own CoTs are the self-CoTs of the
 * step cache (`<resultsDir>/cache/selfcot/<key>.jsonl`, the exact stage-2 training CoTs); the
 * stage-2 model's own CoTs are sampled now with the experiment's self-CoT sampling settings (a
 * seed of their own per batch, so the same for one batch size), since no step of the pipeline samples them on
 * training inputs.
 *
 * @example
 * ```ts
 * const res = await distributionShiftRmse({ run: tractRun, n: 500 });   // a RunSummary of method 'tract'
 * res.rows.map((r) => [r.condition, r.rmse, r.paper]);
 * ```
 * @module tract/distributionShift
 */
import { contentKey } from './provenance';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readJsonl } from '../io/jsonl';
import { JudgeTokens } from '../data/judgeTokens';
import { nextTokenLogits } from '../decoding/generate';
import { expectedScore } from '../losses/expectedScore';
import { rmse } from '../metrics/correlation';
import { loadModel, loadModelTokenizer } from '../model/checkpoint';
import type { LlamaModel } from '../model/llama';
import type { SelfCotRecord } from './judgeData';
import { methodSpec } from './methods';
import { experimentData } from './pipeline';
import { sampleCots } from './selfCot';
import type { TinyJudgeExample } from '../data/tinyJudge';
import type { ExperimentConfig, RunMetrics, RunSummary } from '../results/formats';
import { readShiftJson, type ShiftSummary, writeShiftJson } from '../results/shiftFile';
import { DEFAULT_RESULTS_DIR, selfCotFile, shiftCacheFile, stageDir } from '../results/paths';
import { readRunConfig } from '../results/runFolder';
import { readStageFile, stageFilePath } from '../results/stageFile';

/**
 * Teacher-forced RAIL: the expected score Σ k·p(k) after prompt + CoT + " So the overall score is ".
 * @param prompts prompt ids (with BOS), one per example
 * @param cots    CoT ids (cut before "So the overall"), one per example
 * @returns one expected score per example
 */
export function teacherForcedRail(
  model: LlamaModel,
  jt: JudgeTokens,
  prompts: readonly number[][],
  cots: readonly number[][],
  batchSize = 16,
): number[] {
  if (prompts.length !== cots.length)
    throw new Error(`teacherForcedRail: ${prompts.length} prompts but ${cots.length} CoTs`);
  const out: number[] = [];
  for (let b = 0; b < prompts.length; b += batchSize) {
    const prefixes = prompts.slice(b, b + batchSize).map((p, i) => [...p, ...cots[b + i], ...jt.cotContext]);
    const logits = nextTokenLogits(model, prefixes, jt.tokenizer.pad); // [B, V]
    const yHat = expectedScore(logits, jt.scoreIds); // [B]
    out.push(...(yHat.dataSync() as Float32Array));
    tf.dispose([logits, yHat]);
  }
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Which model reads which CoTs. */
export interface ShiftCondition {
  model: 'stage1' | 'stage2';
  /**
   * reference: the annotation CoTs; stage1-self: the stage-1 model's self-CoTs (stage 2's training CoTs);
   * stage2-own: sampled from the stage-2 model now.
   */
  cots: 'reference' | 'stage1-self' | 'stage2-own';
}

/** One condition's result. */
export interface ShiftRow extends ShiftCondition {
  /** Readable name, e.g. `stage 1 · its own CoTs`. */
  condition: string;
  n: number;
  rmse: number;
  /** Mean expected score and mean target (a bias shows as their difference). */
  meanRail: number;
  meanTarget: number;
  /** The paper's RMSE for this condition (docs/method.md §8), null where it gives none. */
  paper: number | null;
  /** Per-example expected scores, in the order of `ids`. */
  rail: number[];
}

/** The result of {@link distributionShiftRmse}. */
export interface DistributionShiftResult {
  /** Ids of the training examples scored (the first n of the training split). */
  ids: string[];
  /** Their integer training targets. */
  target: number[];
  rows: ShiftRow[];
  /** Stage models and self-CoT file used. */
  sources: { stage1: string; stage2: string; selfCots: string };
}

/**
 * The conditions, with the paper's values. The paper's sentence "the stage-2 model gives 0.45 and
 * 0.45" is read as (reference CoTs, own CoTs), parallel to the stage-1 sentence (UNCONFIRMED).
 */
export const SHIFT_CONDITIONS: readonly (ShiftCondition & { condition: string; paper: number | null })[] = [
  { model: 'stage1', cots: 'reference', condition: 'stage 1 · reference CoTs', paper: 0.12 },
  { model: 'stage1', cots: 'stage1-self', condition: 'stage 1 · its own CoTs', paper: 0.63 },
  { model: 'stage2', cots: 'reference', condition: 'stage 2 · reference CoTs', paper: 0.45 },
  { model: 'stage2', cots: 'stage1-self', condition: 'stage 2 · stage-1 CoTs (its training CoTs)', paper: null },
  { model: 'stage2', cots: 'stage2-own', condition: 'stage 2 · its own CoTs', paper: 0.45 },
];

/** Options of {@link distributionShiftRmse}. */
export interface DistributionShiftOptions {
  /**
   * A run whose method has two stages and self-CoTs from stage 1 (tract, self-cot-ce, A.3, A.4): its folder
   * (config.resolved.json) and metrics (stage keys).
   */
  run: { dir: string; metrics: Pick<RunMetrics, 'method' | 'stages'> };
  /** Score the first n training examples (fewer when the split is smaller). */
  n: number;
  /** Where the step cache is (default `results`). */
  resultsDir?: string;
  /** Forward/generation batch size (default: the experiment's eval batch size). */
  batchSize?: number;
  log?: (line: string) => void;
}

/**
 * RMSE of the stage-1 and stage-2 models on the first n training examples under each of
 * {@link SHIFT_CONDITIONS}. Loads the stage models from the step cache; computes nothing else.
 * @throws if the run lacks a stage, a cached model or its self-CoTs
 */
export async function distributionShiftRmse(opts: DistributionShiftOptions): Promise<DistributionShiftResult> {
  const resultsDir = opts.resultsDir ?? DEFAULT_RESULTS_DIR;
  const log = opts.log ?? (() => {});
  const cfg = readRunConfig(opts.run.dir);
  const { dirs, cotFile } = locateInputs(opts.run, resultsDir);

  const jt = new JudgeTokens(loadModelTokenizer(resolve(cfg.model)));
  const examples = experimentData(cfg).train.slice(0, Math.max(0, opts.n));
  if (examples.length === 0) throw new Error('distributionShiftRmse: no training examples to score (n must be ≥ 1)');
  const prompts = examples.map((e) => jt.prompt(e.prompt));
  const target = examples.map((e) => e.goldExact);
  const batchSize = opts.batchSize ?? cfg.eval.batchSize;
  const cotsOf = givenCots(examples, jt, cotFile);

  const rows: ShiftRow[] = [];
  for (const stage of ['stage1', 'stage2'] as const) {
    const model = loadModel(join(dirs[stage], 'model')).model;
    try {
      if (stage === 'stage2') {
        cotsOf['stage2-own'] = await ownCots(model, jt, examples, prompts, cfg, batchSize);
        log(`[distribution shift] sampled ${cotsOf['stage2-own'].length} CoTs from stage 2`);
      }
      for (const c of SHIFT_CONDITIONS.filter((x) => x.model === stage)) {
        const rail = teacherForcedRail(model, jt, prompts, cotsOf[c.cots]!, batchSize);
        rows.push({
          ...c,
          n: rail.length,
          rmse: rmse(rail, target),
          meanRail: mean(rail),
          meanTarget: mean(target),
          rail,
        });
        const last = rows[rows.length - 1];
        log(`[distribution shift] ${c.condition}: RMSE ${last.rmse.toFixed(3)} on ${rail.length} training examples`);
      }
    } finally {
      model.dispose();
    }
  }
  return {
    ids: examples.map((e) => e.id),
    target,
    rows,
    sources: { stage1: join(dirs.stage1, 'model'), stage2: join(dirs.stage2, 'model'), selfCots: cotFile },
  };
}

/**
 * The run's two stage folders (each with its model in the step cache) and the self-CoT file stage 2 trained on.
 * @throws naming what is missing
 */
function locateInputs(
  run: DistributionShiftOptions['run'],
  resultsDir: string,
): { dirs: { stage1: string; stage2: string }; cotFile: string } {
  const { metrics } = run;
  const stageOf = (name: string) => {
    const s = metrics.stages.find((x) => x.name === name);
    if (!s) {
      const why = 'the analysis needs a two-stage method with self-CoTs';
      throw new Error(`run ${run.dir} (${metrics.method}) has no ${name}: ${why}`);
    }
    return stageDir(resultsDir, s.key);
  };
  const dirs = { stage1: stageOf('stage1'), stage2: stageOf('stage2') };
  for (const d of Object.values(dirs)) {
    if (!existsSync(join(d, 'model')))
      throw new Error(`${join(d, 'model')}: not in the step cache (rerun the suite to rebuild it)`);
  }
  const stage2Info = readStageFile(dirs.stage2);
  if (!stage2Info.selfCot) throw new Error(`${stageFilePath(dirs.stage2)}: stage 2 did not train on self-CoTs`);
  const cotFile = selfCotFile(resultsDir, stage2Info.selfCot.key);
  if (!existsSync(cotFile)) throw new Error(`${cotFile}: self-CoTs not in the step cache`);
  return { dirs, cotFile };
}

/** The CoTs that exist before any model runs: the reference CoTs and stage 1's self-CoTs (stage2-own: null). */
function givenCots(
  examples: readonly TinyJudgeExample[],
  jt: JudgeTokens,
  cotFile: string,
): Record<ShiftCondition['cots'], number[][] | null> {
  const selfCots = new Map(readJsonl<SelfCotRecord>(cotFile).map((r) => [r.id, r]));
  return {
    reference: examples.map((e) => jt.cot(e.referenceCot)),
    'stage1-self': examples.map((e) => {
      const r = selfCots.get(e.id);
      if (!r) throw new Error(`${cotFile}: no self-CoT for training example ${e.id}`);
      return r.ids;
    }),
    'stage2-own': null,
  };
}

/** The stage-2 model's own CoTs on the examples, sampled with the self-CoT settings and a seed per example. */
async function ownCots(
  model: LlamaModel,
  jt: JudgeTokens,
  examples: readonly TinyJudgeExample[],
  prompts: number[][],
  cfg: ExperimentConfig,
  batchSize: number,
): Promise<number[][]> {
  const own: number[][] = [];
  for (let b = 0; b < prompts.length; b += batchSize) {
    const part = examples.slice(b, b + batchSize);
    const seeds = part.map((e) => `${cfg.selfCot.seed}/seed-${cfg.seed}/distribution-shift/${e.id}`);
    const cots = await sampleCots(model, jt, prompts.slice(b, b + batchSize), cfg.selfCot, seeds);
    own.push(...cots.map((c) => c.ids));
  }
  return own;
}

/** Training examples the suite's shift measurement scores (fewer when the training split is smaller). */
export const SHIFT_EXAMPLES = 500;

/** The key of a shift measurement: the keys of the measured run's stages and the number of examples. */
export function shiftKey(stageKeys: readonly string[], n: number): string {
  return contentKey({ stages: stageKeys, n });
}

/**
 * Which of a suite's runs (given by their method ids, in suite order) its shift summary measures: the first
 * run of `compare` when that method trains a second stage on self-CoTs, else the first run of such a method;
 * -1 when there is none. {@link suiteShift} picks with it from the runs, `tract/suite.ts` from the configs
 * before they run.
 */
export function shiftRunIndex(methods: readonly string[], compare: string): number {
  const twoStage = (m: string) => {
    const stages = methodSpec(m).stages;
    return stages.length === 2 && stages.some((s) => s.data === 'self' || s.data === 'mixed');
  };
  const own = methods.findIndex((m) => m === compare && twoStage(m));
  return own >= 0 ? own : methods.findIndex(twoStage);
}

/**
 * The shift summary of one run of a method that trains a second stage on self-CoTs (`results/shiftFile.ts`): its
 * distribution-shift RMSEs on min({@link SHIFT_EXAMPLES}, training size) training inputs. Reused from the step
 * cache (`<resultsDir>/cache/shift/<key>.json`) while the run's stages and the number of examples are unchanged,
 * else measured and cached, so a suite and notebook 10 report the same measurement of a run.
 * @throws if the run has no self-CoTs, or lacks a cached stage model or its self-CoT file
 */
export async function runShift(
  run: RunSummary,
  resultsDir: string,
  log: (line: string) => void,
): Promise<ShiftSummary> {
  const selfCot = run.metrics.selfCot;
  if (!selfCot)
    throw new Error(`${run.runId}: method ${run.metrics.method} trains on no self-CoTs, so it has no shift`);
  const n = Math.min(SHIFT_EXAMPLES, run.config.data.train);
  const key = runShiftKey(run);
  const cacheFile = shiftCacheFile(resultsDir, key);
  const cached = cachedShift(cacheFile, key, log);
  if (cached) {
    log(`[shift] reusing ${cacheFile}`);
    return { ...cached, run: run.runId, method: run.metrics.method };
  }
  log(`[shift] distribution shift of ${run.runId} on ${n} training examples`);
  const res = await distributionShiftRmse({ run, n, resultsDir, log });
  const rmse = (model: ShiftCondition['model'], cots: ShiftCondition['cots']) =>
    res.rows.find((r) => r.model === model && r.cots === cots)?.rmse ?? NaN;
  const summary: ShiftSummary = {
    stage1: { rmseReference: rmse('stage1', 'reference'), rmseSelf: rmse('stage1', 'stage1-self') },
    stage2: { rmseReference: rmse('stage2', 'reference'), rmseSelf: rmse('stage2', 'stage2-own') },
    selfCotClauseAccuracy: selfCot.clauseAccuracy,
    selfCotAllCorrect: selfCot.allCorrect,
    run: run.runId,
    method: run.metrics.method,
    n,
    key,
  };
  writeShiftJson(cacheFile, summary);
  return summary;
}

/** The key of {@link runShift}'s measurement of a run. */
function runShiftKey(run: RunSummary): string {
  return shiftKey(
    run.metrics.stages.map((s) => s.key),
    Math.min(SHIFT_EXAMPLES, run.config.data.train),
  );
}

/**
 * The shift summary of a suite: {@link runShift} of its first two-stage self-CoT run (the compared method's
 * when it is one); `previous` (the suite's last summary) stands while its key holds. Null when the suite has
 * no such run.
 */
export async function suiteShift(
  runs: readonly RunSummary[],
  compare: string,
  resultsDir: string,
  previous: ShiftSummary | null,
  log: (line: string) => void,
): Promise<ShiftSummary | null> {
  const run =
    runs[
      shiftRunIndex(
        runs.map((r) => r.metrics.method),
        compare,
      )
    ];
  if (!run?.metrics.selfCot) return null;
  if (previous && previous.key === runShiftKey(run)) return previous;
  return runShift(run, resultsDir, log);
}

/** A cached measurement of `key`, or null (missing, unreadable or of another key: reported, then recomputed). */
function cachedShift(file: string, key: string, log: (line: string) => void): ShiftSummary | null {
  if (!existsSync(file)) return null;
  try {
    const s = readShiftJson(file);
    if (s.key === key) return s;
    log(`[shift] ${file} holds key ${s.key}, not ${key}: recomputing`);
  } catch (err) {
    log(`[shift] ${file} is damaged (${(err as Error).message}): recomputing`);
  }
  return null;
}
