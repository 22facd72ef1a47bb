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
import { readJsonl, writeJsonl } from '../io/jsonl';
import { manifestProblem, writeManifest } from '../io/manifest';
import { OBJECTIVES, type ObjectiveSpec } from '../losses/objective';
import { loadModel, loadModelTokenizer, saveCheckpoint } from '../model/checkpoint';
import {
  IN_DOMAIN,
  OUT_OF_DOMAIN,
  SPLITS,
  type ExperimentConfig,
  type Prediction,
  type RunMetrics,
  type RunSummary,
  type SelfCotStats,
  type SplitResult,
  type StageRecord,
} from '../results/formats';
import { evalDir, runDir, selfCotFile, stageDir, stageModelDir } from '../results/paths';
import { type RunData, readRunFolder, readRunMetrics, runFolderProblem, writeRunFolder } from '../results/runFolder';
import { readStageFile, stageFilePath, writeStageFile } from '../results/stageFile';
import { emptyTruncationStats } from '../training/batches';
import { train } from '../training/trainer';
import { judgeExamples, meanReadout, splitMetrics } from './evaluate';
import { stageExamples, teacherForcedEval, type SelfCotRecord } from './judgeData';
import { methodSpec, type MethodSpec, type StageObjective, type StageSpec } from './methods';
import { contentKey, environment, modelDigest } from './provenance';
import { generateSelfCots } from './selfCot';

/** Bumped when a change to the pipeline can move a number (invalidates every cached step). */
export const PIPELINE_VERSION = 2; // 2: HF-exact warm-up, RAIL read in float32 through losses/expectedScore

/** Where results go and how progress is reported. */
export interface PipelineContext {
  resultsDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  /** Progress of training steps (default: the trainer's). */
  trainLog?: (line: string, final: boolean) => void;
  /**
   * Reuse a complete run folder of the experiment without its cached steps, when it records exactly the
   * stage keys this config and seed model give ({@link reusableRunFolder}): the results of a clone that has
   * the committed run folders but not the step cache. Default false: missing cache steps are recomputed.
   */
  reuseRunFolders?: boolean;
}

/**
 * The objective of a stage kind with the experiment's λ, ramp and normalisation. The `objective` settings are those
 * of the squared-error objectives: a CE stage (the CE baselines, A.2) keeps λ 0 and the mean over its tokens whatever
 * they say. A CoT-RAFT stage puts CE on the score digit too when the config says `objective.ceIncludesScoreToken` (the
 * spec is then not the default's, so the stage key differs; without the setting it is unchanged).
 */
export function stageObjective(kind: StageObjective, cfg: ExperimentConfig): ObjectiveSpec {
  const base = OBJECTIVES[kind];
  if (kind === 'ce') return { ...base };
  const digitCe = kind === 'cotRaft' && cfg.objective.ceIncludesScoreToken === true;
  return {
    ...base,
    ...(digitCe ? { ceIncludesScoreToken: true } : {}),
    lambda: cfg.objective.lambda,
    lambdaRampSteps: kind === 'cotRaft' ? cfg.objective.lambdaRampSteps : 0,
    reduction: cfg.objective.reduction,
  };
}

/** The cache key of a stage: its config, its initial model's key and the self-CoTs it trains on. */
export function stageKey(cfg: ExperimentConfig, stage: StageSpec, initKey: string, selfCot: string | null): string {
  return contentKey({
    v: PIPELINE_VERSION,
    init: initKey,
    data: cfg.data,
    maxLen: cfg.maxLen,
    stageData: stage.data,
    objective: stageObjective(stage.objective, cfg),
    train: cfg.train,
    selfCot,
    seed: cfg.seed,
  });
}

/** The cache key of the self-CoTs sampled from the stage with key `from`. */
export function selfCotKey(cfg: ExperimentConfig, from: string): string {
  return contentKey({ v: PIPELINE_VERSION, from, sampling: cfg.selfCot, seed: cfg.seed, data: cfg.data });
}

/** The cache key of the evaluation of the model with key `modelKey` (a stage key, or `seed:<digest>`). */
export function evalKey(cfg: ExperimentConfig, method: Pick<MethodSpec, 'prompt'>, modelKey: string): string {
  return contentKey({
    v: PIPELINE_VERSION,
    model: modelKey,
    eval: cfg.eval,
    prompt: method.prompt,
    data: cfg.data,
    seed: cfg.seed,
  });
}

/** The cache keys an experiment's steps have, computed without running them. */
export interface PlannedKeys {
  /** Stage name → stage key, in the method's order. */
  stages: Record<string, string>;
  /** The key of the self-CoTs a stage trains on, or null when no stage uses them. */
  selfCot: string | null;
  eval: string;
}

/**
 * The cache keys {@link runExperiment} gives an experiment's steps when its seed model has digest
 * `seedDigest` (`tract/provenance.ts` modelDigest): the same chain as the run, without running it.
 */
export function plannedKeys(cfg: ExperimentConfig, seedDigest: string): PlannedKeys {
  const method = methodSpec(cfg.method);
  const stages: Record<string, string> = {};
  let selfCot: string | null = null;
  for (const stage of method.stages) {
    if ((stage.data === 'self' || stage.data === 'mixed') && selfCot === null) {
      selfCot = selfCotKey(cfg, stages[method.selfCotFrom ?? 'stage1']);
    }
    const initKey = stage.init === 'seed' ? `seed:${seedDigest}` : stages.stage1;
    stages[stage.name] = stageKey(cfg, stage, initKey, selfCot);
  }
  const last = method.stages[method.stages.length - 1];
  return { stages, selfCot, eval: evalKey(cfg, method, last ? stages[last.name] : `seed:${seedDigest}`) };
}

/**
 * The keys of an experiment's steps ({@link plannedKeys}, seed model `cfg.model`) that the step cache under
 * `resultsDir` does not hold finished yet (no manifest): the steps a run of it may compute. Two experiments
 * can compute the same step only through a key both have pending (`tract/jobs.ts` groups them by it).
 */
export function pendingKeys(
  cfg: ExperimentConfig,
  resultsDir: string,
  seedDigest = modelDigest(resolve(cfg.model)),
): string[] {
  const keys = plannedKeys(cfg, seedDigest);
  const steps: [string, string][] = [
    ...Object.values(keys.stages).map((k): [string, string] => [
      `stage:${k}`,
      join(stageDir(resultsDir, k), 'manifest.json'),
    ]),
    ...(keys.selfCot
      ? [[`selfcot:${keys.selfCot}`, `${selfCotFile(resultsDir, keys.selfCot)}.manifest.json`] as [string, string]]
      : []),
    [`eval:${keys.eval}`, join(evalDir(resultsDir, keys.eval), 'manifest.json')],
  ];
  return steps.filter(([, manifest]) => !existsSync(manifest)).map(([key]) => key);
}

/** The TinyJudge data of an experiment. */
export function experimentData(cfg: ExperimentConfig): TinyJudgeData {
  const { kind: _kind, ...sizes } = cfg.data;
  void _kind;
  return generateTinyJudge(sizes);
}

/** What the steps of one experiment share. */
interface RunState {
  cfg: ExperimentConfig;
  ctx: PipelineContext;
  method: MethodSpec;
  data: TinyJudgeData;
  jt: JudgeTokens;
  seedPath: string;
  seedDigest: string;
  /** Stage name → cache key of the stages trained so far. */
  stageKeys: Record<string, string>;
  stages: StageRecord[];
  stageLogs: { stage: string; csv: string }[];
  selfCots?: Map<string, SelfCotRecord>;
  selfCot: { key: string; stats: SelfCotStats } | null;
  /** Whether this run sampled its self-CoTs (false when they came from the cache or no stage uses them). */
  selfCotsGenerated: boolean;
}

/** A seed stream of this experiment's seed (`<s>/seed-<seed>`). */
function seeded(cfg: ExperimentConfig, s: number | string): string {
  return `${s}/seed-${cfg.seed}`;
}

/**
 * Whether a finished cache entry can be reused: its manifest matches its files. An entry that looks
 * finished (`marker` or the manifest exists) but does not match is damaged: it is reported and removed,
 * and the caller recomputes it. An entry with neither is unfinished (a training resumes from its checkpoint).
 */
function cacheEntryUsable(
  dir: string,
  manifest: string,
  marker: string,
  ctx: PipelineContext,
  records?: number,
): boolean {
  if (!existsSync(marker) && !existsSync(manifest)) return false;
  const problem = manifestProblem(manifest, { records });
  if (!problem) return true;
  ctx.log(`damaged cache entry ${dir} (${problem}): recomputing it`);
  rmSync(dir, { recursive: true, force: true });
  return false;
}

/** Step 1 of a self-CoT stage: sample (or reuse) one CoT per training prompt from the stage-1 model. */
async function selfCotStep(st: RunState): Promise<void> {
  const { cfg, ctx, method } = st;
  const from = st.stageKeys[method.selfCotFrom ?? 'stage1'];
  const key = selfCotKey(cfg, from);
  const file = selfCotFile(ctx.resultsDir, key);
  mkdirSync(join(file, '..'), { recursive: true });
  const source = loadModel(stageModelDir(ctx.resultsDir, from)).model;
  const every = cfg.eval.batchSize * 10;
  const res = await generateSelfCots({
    model: source,
    jt: st.jt,
    examples: st.data.train,
    sampling: { ...cfg.selfCot, seed: seeded(cfg, cfg.selfCot.seed) },
    batchSize: cfg.eval.batchSize,
    file,
    onDamaged: ctx.log,
    onProgress: (d, n) => {
      if (d === n || d % every === 0) ctx.log(`[${method.id}] self-CoTs ${d}/${n}`);
    },
  });
  source.dispose();
  st.selfCots = new Map(res.records.map((r) => [r.id, r]));
  st.selfCotsGenerated = !res.reused;
  st.selfCot = { key, stats: res.stats };
  ctx.log(`[${method.id}] self-CoTs ${res.reused ? 'reused' : 'generated'}: ${JSON.stringify(res.stats)}`);
}

/** Trains a stage into `dir` (its model, stage.json and train-log.csv). */
async function trainStage(
  st: RunState,
  stage: StageSpec,
  key: string,
  objective: ObjectiveSpec,
  dir: string,
): Promise<void> {
  const { cfg, ctx, method, jt } = st;
  const pad = jt.tokenizer.pad;
  const init = stage.init === 'seed' ? st.seedPath : stageModelDir(ctx.resultsDir, st.stageKeys.stage1);
  const model = loadModel(init).model;
  const truncation = emptyTruncationStats();
  const examples = stageExamples(stage.data, st.data.train, jt, cfg.maxLen, truncation, st.selfCots);
  const valData = stage.data === 'score-only' ? 'score-only' : 'reference';
  const val = stageExamples(valData, st.data.val, jt, cfg.maxLen, emptyTruncationStats());
  ctx.log(
    `[${method.id}/${stage.name}] training on ${examples.length} examples (${stage.data}, ${stage.objective}); ` +
      `truncated prompts ${truncation.truncatedPrompts}, dropped ${truncation.droppedTooLong}`,
  );
  const result = await train({
    model,
    examples,
    pad,
    scoreTokenIds: jt.scoreIds,
    objective,
    config: { ...cfg.train, seed: seeded(cfg, cfg.train.seed) },
    outDir: dir,
    evaluate: (m) => teacherForcedEval(m, val, pad, jt.scoreIds, objective),
    label: `${method.id}/${stage.name}`,
    log: ctx.trainLog,
  });
  saveCheckpoint(model, join(dir, 'model'), { tokenizerFrom: st.seedPath });
  model.dispose();
  const final = result.rows[result.rows.length - 1];
  const { steps, seconds } = result;
  const info = {
    key,
    stage,
    objective,
    train: cfg.train,
    truncation,
    examples: examples.length,
    selfCot: st.selfCot,
    steps,
    seconds,
    final,
  };
  rmSync(join(dir, 'checkpoint'), { recursive: true, force: true }); // the finished model is saved
  writeStageFile(dir, info);
  writeManifest(join(dir, 'manifest.json'), [stageFilePath(dir), join(dir, 'train-log.csv'), join(dir, 'model')]);
}

/** Step 2: one training stage, trained or reused from the cache. */
async function stageStep(st: RunState, stage: StageSpec): Promise<void> {
  const { cfg, ctx, method } = st;
  if ((stage.data === 'self' || stage.data === 'mixed') && !st.selfCots) await selfCotStep(st);
  const initKey = stage.init === 'seed' ? `seed:${st.seedDigest}` : st.stageKeys.stage1;
  const objective = stageObjective(stage.objective, cfg);
  const key = stageKey(cfg, stage, initKey, st.selfCot?.key ?? null);
  const dir = stageDir(ctx.resultsDir, key);
  const reused = cacheEntryUsable(dir, join(dir, 'manifest.json'), stageFilePath(dir), ctx);
  if (!reused) await trainStage(st, stage, key, objective, dir);
  else ctx.log(`[${method.id}/${stage.name}] reusing ${dir}`);
  const info = readStageFile(dir);
  st.stageKeys[stage.name] = key;
  st.stages.push({ name: stage.name, key, reused, steps: info.steps, final: info.final });
  st.stageLogs.push({ stage: stage.name, csv: readFileSync(join(dir, 'train-log.csv'), 'utf8') });
}

/** Step 3: judge both test splits with the last stage's model (or the seed), cached by content. */
async function evaluationStep(st: RunState): Promise<{ predictions: Prediction[]; reused: boolean }> {
  const { cfg, ctx, method } = st;
  const last = st.stages[st.stages.length - 1];
  const modelPath = last ? stageModelDir(ctx.resultsDir, last.key) : st.seedPath;
  const modelKey = last ? last.key : `seed:${st.seedDigest}`;
  const dir = evalDir(ctx.resultsDir, evalKey(cfg, method, modelKey));
  const evalFile = join(dir, 'predictions.jsonl');
  const manifest = join(dir, 'manifest.json');
  if (cacheEntryUsable(dir, manifest, evalFile, ctx, st.data.test.length + st.data.testOod.length)) {
    ctx.log(`[${method.id}] reusing evaluation ${evalFile}`);
    return { predictions: readJsonl<Prediction>(evalFile), reused: true };
  }
  const model = loadModel(modelPath).model;
  const predictions: Prediction[] = [];
  for (const [split, examples] of [
    [IN_DOMAIN, st.data.test],
    [OUT_OF_DOMAIN, st.data.testOod],
  ] as const) {
    const judged = await judgeExamples({
      model,
      jt: st.jt,
      examples,
      promptKind: method.prompt,
      eval: { ...cfg.eval, seed: seeded(cfg, cfg.eval.seed) },
      split,
      onProgress: (d, n) => {
        if (d === n) ctx.log(`[${method.id}] judged ${split} ${d}/${n}`);
      },
    });
    predictions.push(...judged);
  }
  model.dispose();
  mkdirSync(dir, { recursive: true });
  writeJsonl(evalFile, predictions);
  writeManifest(manifest, [evalFile], { records: predictions.length });
  return { predictions, reused: false };
}

/** Step 4: the metrics of a run's predictions, per split and readout. */
export function runMetrics(
  st: Pick<RunState, 'cfg' | 'method' | 'stages' | 'selfCot'>,
  predictions: readonly Prediction[],
): RunMetrics {
  const { cfg, method } = st;
  const primary = method.decoding === 'standard' || method.decoding === 'standard-score-only' ? 'standard' : 'rail';
  const splits: Record<string, SplitResult> = {};
  for (const split of SPLITS) {
    const ps = predictions.filter((p) => p.split === split);
    const gold = ps.map((p) => p.gold);
    const seed = `${cfg.eval.seed}/${split}`;
    splits[split] = {
      rail: splitMetrics(
        ps.map((p) => p.rail),
        gold,
        cfg.eval.bootstrapSamples,
        seed,
      ),
      standard: splitMetrics(
        ps.map((p) => p.standard),
        gold,
        cfg.eval.bootstrapSamples,
        seed,
      ),
      massOutside: meanReadout(ps, (r) => r.massOutside),
      clauseAccuracy: meanReadout(ps, (r) => (r.clauseCorrect === undefined ? undefined : r.clauseCorrect / 4)),
    };
  }
  return {
    method: method.id,
    paperId: method.paperId,
    decoding: method.decoding,
    primary,
    splits,
    selfCot: st.selfCot?.stats ?? null,
    stages: st.stages,
    lambdaRampSteps: cfg.objective.lambdaRampSteps,
  };
}

/**
 * Sets each stage's `reused` to the value the run folder `dir` already records for the same stage (same
 * name and cache key); stages it does not record, or a folder whose metrics.json cannot be read, keep theirs.
 */
function keepReusedFlags(stages: StageRecord[], dir: string): void {
  let before: StageRecord[];
  try {
    before = readRunMetrics(dir).stages;
  } catch {
    return;
  }
  for (const s of stages) {
    const old = before.find((b) => b?.name === s.name && b?.key === s.key);
    if (typeof old?.reused === 'boolean') s.reused = old.reused;
  }
}

/**
 * The run folder `dir` of `cfg` as a finished run, when it can stand for a computation now: complete and
 * readable (`results/runFolder.ts` readRunFolder), made from the same resolved config, with one prediction per
 * test example, and recording exactly the stage keys {@link plannedKeys} gives (so the same seed model and the
 * same inputs to every stage). Otherwise null, with the reason logged when a folder exists.
 */
export function reusableRunFolder(
  cfg: ExperimentConfig,
  dir: string,
  seedDigest: string,
  log: (line: string) => void,
): RunSummary | null {
  if (!existsSync(dir)) return null;
  const why = (reason: string) => {
    log(`[${cfg.method}] run folder ${dir} not reused (${reason}): computing the run`);
    return null;
  };
  const problem = runFolderProblem(dir);
  if (problem) return why(problem);
  let run: RunData;
  try {
    run = readRunFolder(dir);
  } catch (err) {
    return why((err as Error).message);
  }
  if (contentKey(run.config) !== contentKey(cfg)) return why('config.resolved.json differs from the config');
  const n = cfg.data.test + cfg.data.testOod;
  if (run.predictions.length !== n) return why(`${run.predictions.length} predictions, not ${n}`);
  const planned = Object.entries(plannedKeys(cfg, seedDigest).stages);
  const stored = run.metrics.stages.map((s) => [s.name, s.key]);
  if (JSON.stringify(stored) !== JSON.stringify(planned)) {
    return why(`its stages ${JSON.stringify(stored)} are not the planned ${JSON.stringify(planned)}`);
  }
  log(`[${cfg.method}] reusing run folder ${dir} (its stage keys match; no cached step needed)`);
  return {
    runId: run.runId,
    dir,
    metrics: run.metrics,
    predictions: run.predictions,
    config: run.config,
    computed: false,
  };
}

/** The run id of an experiment: its method and a hash of the resolved config. */
export function runIdOf(cfg: ExperimentConfig): string {
  return `${cfg.method}-${contentKey({ cfg, v: PIPELINE_VERSION }, 8)}`;
}

/**
 * Runs one experiment (cached steps are reused): its stages, the self-CoTs a stage needs, the
 * evaluation, then the run folder `results/runs/<runId>/`.
 */
export async function runExperiment(cfg: ExperimentConfig, ctx: PipelineContext): Promise<RunSummary> {
  const seedPath = resolve(cfg.model);
  const seedDigest = modelDigest(seedPath);
  if (ctx.reuseRunFolders) {
    const found = reusableRunFolder(cfg, runDir(ctx.resultsDir, runIdOf(cfg)), seedDigest, ctx.log);
    if (found) return found;
  }
  const st: RunState = {
    cfg,
    ctx,
    method: methodSpec(cfg.method),
    data: experimentData(cfg),
    jt: new JudgeTokens(loadModelTokenizer(seedPath)),
    seedPath,
    seedDigest,
    stageKeys: {},
    stages: [],
    stageLogs: [],
    selfCot: null,
    selfCotsGenerated: false,
  };
  for (const stage of st.method.stages) await stageStep(st, stage);
  const { predictions, reused } = await evaluationStep(st);
  const runId = runIdOf(cfg);
  const dir = runDir(ctx.resultsDir, runId);
  // env.json records the process that computed this run: a rerun that reuses every cached stage and the
  // cached evaluation keeps the existing one, so the commit and date stay those of the computation, and so
  // do the stages' `reused` flags (whether that computation trained them or found them cached).
  const allReused = reused && st.stages.every((s) => s.reused);
  const keepEnv = allReused && existsSync(join(dir, 'env.json'));
  if (keepEnv) keepReusedFlags(st.stages, dir);
  const metrics = runMetrics(st, predictions);
  writeRunFolder(dir, {
    config: cfg,
    metrics,
    predictions,
    stageLogs: st.stageLogs,
    stages: st.stages,
    ...(keepEnv ? {} : { env: environment(ctx.backend, cfg.seed) }),
  });
  return { runId, dir, metrics, predictions, config: cfg, computed: !allReused || st.selfCotsGenerated };
}
