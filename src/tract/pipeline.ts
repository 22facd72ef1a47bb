/**
 * The TRACT pipeline as a small graph of cached steps: train stage → (sample self-CoTs → train
 * stage) → evaluate. Each step's output is stored under a key derived from its resolved config
 * and the keys of its inputs (`results/cache/{stages,selfcot,eval}/<key>`), so methods that share
 * a step compute it once (`cot-raft-ref` is TRACT's stage 1; `ce-cot` is `self-cot-ce`'s stage 1),
 * and a rerun or a resumed run skips what exists (an interrupted training resumes from its
 * checkpoint, an interrupted self-CoT generation from its partial JSONL).
 *
 * Each experiment writes `results/runs/<runId>/`: config.resolved.json, env.json, metrics.json,
 * predictions.jsonl, train-log.csv and stages.json. Tables are built from these files alone.
 *
 * @module tract/pipeline
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JudgeTokens } from '../data/judgeTokens';
import { generateTinyJudge, type TinyJudgeData } from '../data/tinyJudge';
import type { BackendReport } from '../engine/backend';
import { OBJECTIVES, type ObjectiveSpec } from '../losses/objective';
import { loadModel, loadModelTokenizer, saveCheckpoint } from '../model/checkpoint';
import { writeFileAtomic } from '../io/atomic';
import { emptyTruncationStats } from '../training/batches';
import { train } from '../training/trainer';
import type { ExperimentConfig } from './config';
import { judgeExamples, meanReadout, splitMetrics, type Prediction, type SplitMetrics } from './evaluate';
import { stageExamples, teacherForcedEval, type SelfCotRecord } from './judgeData';
import { methodSpec, type StageObjective } from './methods';
import { contentKey, environment, pathDigest } from './provenance';
import { readJsonl } from '../io/jsonl';
import { generateSelfCots, type SelfCotStats } from './selfCot';

/** Bumped when a change to the pipeline can move a number (invalidates every cached step). */
export const PIPELINE_VERSION = 1;

/** Where results go and how progress is reported. */
export interface PipelineContext {
  resultsDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  /** Progress of training steps (default: the trainer's). */
  trainLog?: (line: string, final: boolean) => void;
}

/** Metrics of one split: both readouts. */
export interface SplitResult {
  rail: SplitMetrics;
  standard: SplitMetrics;
  /** Mean probability mass outside the score tokens at the score position. */
  massOutside: number;
  /** Mean clause accuracy of the evaluation CoTs (CoT methods). */
  clauseAccuracy: number;
}

/** `metrics.json` of a run. */
export interface RunMetrics {
  method: string;
  paperId: string;
  decoding: string;
  /** Which readout the method reports ('rail' or 'standard'). */
  primary: 'rail' | 'standard';
  splits: Record<string, SplitResult>;
  selfCot: SelfCotStats | null;
  stages: { name: string; key: string; reused: boolean; steps: number; final: Record<string, unknown> | null }[];
  lambdaRampSteps: number;
}

/** The result of {@link runExperiment}. */
export interface RunSummary {
  runId: string;
  dir: string;
  metrics: RunMetrics;
  predictions: Prediction[];
  /** The resolved experiment (absent for runs read back from disk without it). */
  config?: ExperimentConfig;
}

/**
 * The row label of a run among `all`: its method id, plus λ and the number of CoTs where runs of the
 * same method differ in them (the λ sweep, 1 vs 5 CoTs), e.g. `tract (λ=0.5)`, `tract (5 CoTs)`.
 */
export function runLabel(run: RunSummary, all: readonly RunSummary[]): string {
  const same = all.filter((r) => r.metrics.method === run.metrics.method);
  if (same.length < 2 || !run.config) return run.metrics.method;
  const parts: string[] = [];
  if (new Set(same.map((r) => r.config?.objective.lambda)).size > 1) parts.push(`λ=${run.config.objective.lambda}`);
  const n = run.config.eval.nCot;
  if (new Set(same.map((r) => r.config?.eval.nCot)).size > 1) parts.push(`${n} CoT${n === 1 ? '' : 's'}`);
  return parts.length ? `${run.metrics.method} (${parts.join(', ')})` : run.metrics.method;
}

/** The objective of a stage kind with the experiment's λ, ramp and normalisation. */
export function stageObjective(kind: StageObjective, cfg: ExperimentConfig): ObjectiveSpec {
  const base = OBJECTIVES[kind];
  return {
    ...base,
    lambda: kind === 'ce' ? 0 : cfg.objective.lambda,
    lambdaRampSteps: kind === 'cotRaft' ? cfg.objective.lambdaRampSteps : 0,
    reduction: cfg.objective.reduction,
  };
}

/** The TinyJudge data of an experiment. */
export function experimentData(cfg: ExperimentConfig): TinyJudgeData {
  const { kind: _kind, ...sizes } = cfg.data;
  void _kind;
  return generateTinyJudge(sizes);
}

/** Runs one experiment (cached steps are reused). */
export async function runExperiment(cfg: ExperimentConfig, ctx: PipelineContext): Promise<RunSummary> {
  const method = methodSpec(cfg.method);
  const cache = join(ctx.resultsDir, 'cache');
  const data = experimentData(cfg);
  const seedPath = resolve(cfg.model);
  const seedDigest = pathDigest(seedPath);
  const seeded = (s: number | string) => `${s}/seed-${cfg.seed}`;
  const jt = new JudgeTokens(loadModelTokenizer(seedPath));
  const pad = jt.tokenizer.pad;

  const stageKeys: Record<string, string> = {};
  const stageInfo: RunMetrics['stages'] = [];
  let selfCots: Map<string, SelfCotRecord> | undefined;
  let selfCot: { key: string; stats: SelfCotStats } | null = null;
  const logs: string[] = [];
  for (const stage of method.stages) {
    if ((stage.data === 'self' || stage.data === 'mixed') && !selfCots) {
      const from = stageKeys[method.selfCotFrom ?? 'stage1'];
      const key = contentKey({ v: PIPELINE_VERSION, from, sampling: cfg.selfCot, seed: cfg.seed, data: cfg.data });
      const file = join(cache, 'selfcot', `${key}.jsonl`);
      mkdirSync(join(cache, 'selfcot'), { recursive: true });
      const source = loadModel(join(cache, 'stages', from, 'model')).model;
      const res = await generateSelfCots({
        model: source, jt, examples: data.train, sampling: { ...cfg.selfCot, seed: seeded(cfg.selfCot.seed) }, batchSize: cfg.eval.batchSize, file,
        onProgress: (d, n) => { if (d === n || d % (cfg.eval.batchSize * 10) === 0) ctx.log(`[${method.id}] self-CoTs ${d}/${n}`); },
      });
      source.dispose();
      selfCots = new Map(res.records.map((r) => [r.id, r]));
      selfCot = { key, stats: res.stats };
      ctx.log(`[${method.id}] self-CoTs ${res.reused ? 'reused' : 'generated'}: ${JSON.stringify(res.stats)}`);
    }
    const initKey = stage.init === 'seed' ? `seed:${seedDigest}` : stageKeys.stage1;
    const objective = stageObjective(stage.objective, cfg);
    const key = contentKey({ v: PIPELINE_VERSION, init: initKey, data: cfg.data, maxLen: cfg.maxLen, stageData: stage.data, objective, train: cfg.train, selfCot: selfCot?.key ?? null, seed: cfg.seed });
    const dir = join(cache, 'stages', key);
    const reused = existsSync(join(dir, 'stage.json'));
    if (!reused) {
      const model = loadModel(stage.init === 'seed' ? seedPath : join(cache, 'stages', stageKeys.stage1, 'model')).model;
      const truncation = emptyTruncationStats();
      const examples = stageExamples(stage.data, data.train, jt, cfg.maxLen, truncation, selfCots);
      const val = stageExamples(stage.data === 'score-only' ? 'score-only' : 'reference', data.val, jt, cfg.maxLen, emptyTruncationStats());
      ctx.log(`[${method.id}/${stage.name}] training on ${examples.length} examples (${stage.data}, ${stage.objective}); truncated prompts ${truncation.truncatedPrompts}, dropped ${truncation.droppedTooLong}`);
      const result = await train({
        model, examples, pad, scoreTokenIds: jt.scoreIds, objective,
        config: { ...cfg.train, seed: seeded(cfg.train.seed) },
        outDir: dir,
        evaluate: (m) => teacherForcedEval(m, val, pad, jt.scoreIds, objective),
        label: `${method.id}/${stage.name}`,
        log: ctx.trainLog,
      });
      saveCheckpoint(model, join(dir, 'model'), { tokenizerFrom: seedPath });
      model.dispose();
      const final = result.rows[result.rows.length - 1];
      writeFileAtomic(join(dir, 'stage.json'), `${JSON.stringify({ key, stage, objective, train: cfg.train, truncation, examples: examples.length, selfCot, steps: result.steps, seconds: result.seconds, final }, null, 1)}\n`);
      rmSync(join(dir, 'checkpoint'), { recursive: true, force: true }); // the finished model is saved
    } else {
      ctx.log(`[${method.id}/${stage.name}] reusing ${dir}`);
    }
    const info = JSON.parse(readFileSync(join(dir, 'stage.json'), 'utf8')) as { steps: number; final: Record<string, unknown> | null };
    stageKeys[stage.name] = key;
    stageInfo.push({ name: stage.name, key, reused, steps: info.steps, final: info.final });
    const csv = readFileSync(join(dir, 'train-log.csv'), 'utf8').trim().split('\n');
    if (logs.length === 0) logs.push(`stage,${csv[0]}`);
    for (const line of csv.slice(1)) logs.push(`${stage.name},${line}`);
  }

  // evaluation
  const last = method.stages.length ? join(cache, 'stages', stageKeys[method.stages[method.stages.length - 1].name], 'model') : seedPath;
  const modelKey = method.stages.length ? stageKeys[method.stages[method.stages.length - 1].name] : `seed:${seedDigest}`;
  const evalKey = contentKey({ v: PIPELINE_VERSION, model: modelKey, eval: cfg.eval, prompt: method.prompt, data: cfg.data, seed: cfg.seed });
  const evalFile = join(cache, 'eval', evalKey, 'predictions.jsonl');
  let predictions: Prediction[];
  const evalReused = existsSync(evalFile);
  if (evalReused) {
    predictions = readJsonl<Prediction>(evalFile);
    ctx.log(`[${method.id}] reusing evaluation ${evalFile}`);
  } else {
    const model = loadModel(last).model;
    predictions = [];
    for (const [split, examples] of [['test', data.test], ['test-ood', data.testOod]] as const) {
      predictions.push(...(await judgeExamples({
        model, jt, examples, promptKind: method.prompt, eval: { ...cfg.eval, seed: seeded(cfg.eval.seed) }, split,
        onProgress: (d, n) => { if (d === n) ctx.log(`[${method.id}] judged ${split} ${d}/${n}`); },
      })));
    }
    model.dispose();
    mkdirSync(join(cache, 'eval', evalKey), { recursive: true });
    writeFileAtomic(evalFile, `${predictions.map((p) => JSON.stringify(p)).join('\n')}\n`);
  }

  const primary = method.decoding === 'standard' || method.decoding === 'standard-score-only' ? 'standard' : 'rail';
  const splits: Record<string, SplitResult> = {};
  for (const split of ['test', 'test-ood']) {
    const ps = predictions.filter((p) => p.split === split);
    const gold = ps.map((p) => p.gold);
    const seed = `${cfg.eval.seed}/${split}`;
    splits[split] = {
      rail: splitMetrics(ps.map((p) => p.rail), gold, cfg.eval.bootstrapSamples, seed),
      standard: splitMetrics(ps.map((p) => p.standard), gold, cfg.eval.bootstrapSamples, seed),
      massOutside: meanReadout(ps, (r) => r.massOutside),
      clauseAccuracy: meanReadout(ps, (r) => (r.clauseCorrect === undefined ? undefined : r.clauseCorrect / 4)),
    };
  }
  const metrics: RunMetrics = {
    method: method.id, paperId: method.paperId, decoding: method.decoding, primary, splits,
    selfCot: selfCot?.stats ?? null, stages: stageInfo, lambdaRampSteps: cfg.objective.lambdaRampSteps,
  };
  const runId = `${method.id}-${contentKey({ cfg, v: PIPELINE_VERSION }, 8)}`;
  const dir = join(ctx.resultsDir, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'config.resolved.json'), `${JSON.stringify(cfg, null, 1)}\n`);
  // env.json records the process that computed this run: a rerun that reuses every cached stage and the
  // cached evaluation keeps the existing one, so the commit and date stay those of the computation.
  const allReused = evalReused && stageInfo.every((s) => s.reused);
  if (!allReused || !existsSync(join(dir, 'env.json'))) writeFileAtomic(join(dir, 'env.json'), `${JSON.stringify(environment(ctx.backend, cfg.seed), null, 1)}\n`);
  writeFileAtomic(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 1)}\n`);
  writeFileAtomic(join(dir, 'predictions.jsonl'), `${predictions.map((p) => JSON.stringify(p)).join('\n')}\n`);
  writeFileAtomic(join(dir, 'train-log.csv'), logs.length ? `${logs.join('\n')}\n` : 'stage\n');
  writeFileAtomic(join(dir, 'stages.json'), `${JSON.stringify(stageInfo, null, 1)}\n`);
  return { runId, dir, metrics, predictions, config: cfg };
}
