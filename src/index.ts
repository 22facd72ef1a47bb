/**
 * TRACT in TypeScript: the public API.
 *
 * Layers (one folder each under `src/`; a module imports only from layers below its own, checked by
 * `tools/lint/boundaries.ts`):
 *  8. **cli**: the `tract` command.
 *  7. **notebook**: what notebooks import (suites read back or computed, readings, display).
 *  6. **report**: tables in Markdown, CSV and LaTeX; paper tables; figures and their export.
 *  5. **tract**: the two-stage pipeline, methods as data, experiment configs, profiles, suites, evaluation.
 *  4. **results**: the on-disk formats of runs, suites and caches, their readers and writers, run labels.
 *  3. **decoding**, **training**: generation, logits processors, score parsing; the trainer (AdamW, schedule,
 *     checkpoints, resume), batches.
 *  2. **model**, **losses**, **metrics**, **data**: the Llama-family decoder, LoRA, checkpoints; RAIL, RAFT,
 *     token CE, CoT-RAFT; Pearson, Spearman, Kendall τ-b, RMSE, bootstrap; TinyJudge, benchmarks, prompts.
 *  1. **tokenizer**: llama2.c and Hugging Face tokenizers, score tokens.
 *  0. **engine**, **io**: backend choice ({@link initBackend}), seeded random streams ({@link Rng}),
 *     wasm-safe ops and kernels, assertions; atomic writes, resumable JSONL, cache manifests, the results lock.
 *
 * @example
 * ```ts
 * import { initBackend, raftLoss, pearson, bootstrapCI } from './src';
 * await initBackend();
 * ```
 * @module tract
 */

// engine
export {
  initBackend,
  describeBackend,
  BACKENDS,
  type BackendName,
  type BackendReport,
  type InitBackendOptions,
} from './engine/backend';
export { Rng, type RngState } from './engine/rng';
export { assertClose, assertShape, type CloseOptions } from './engine/asserts';
export { gatherRows, oneHotFloat, softmaxLastAxis } from './engine/ops';

// metrics
export {
  pearson,
  pearsonTest,
  spearman,
  kendallTauB,
  kendallTest,
  rmse,
  rankAverage,
  dropInvalid,
  checkPairs,
  type TestResult,
  type KeptPairs,
} from './metrics/correlation';
export {
  bootstrapCI,
  pairedBootstrapDiff,
  pairedBootstrapDiffOverSeeds,
  quantileSorted,
  type BootstrapCI,
  type BootstrapOptions,
  type PairedBootstrapResult,
  type PairedVerdict,
  type PairMetric,
} from './metrics/bootstrap';

// losses
export { expectedScore, scoreProbabilities, type ExpectedScoreOptions } from './losses/expectedScore';
export { raftLoss, raftSquaredErrors, type RaftLossOptions, type GoldScores } from './losses/raft';
export { tokenCrossEntropy } from './losses/crossEntropy';
export {
  cotRaftLoss,
  findScorePositions,
  type CotRaftBatch,
  type CotRaftOptions,
  type CotRaftLoss,
} from './losses/cotRaft';

// decoding
export { parseScore, isParsed, type ParsedScore, type ParseScoreOptions } from './decoding/parseScore';

// model and tokenizers
export { LlamaModel, disposeCache, type KvCache, type ForwardOptions } from './model/llama';
export { makeConfig, fromHfConfig, toHfConfig, parameterCount, type LlamaConfig } from './model/config';
export { attachLora, detachLora, mergeLora, saveLora, loadLora, DEFAULT_LORA, type LoraConfig } from './model/lora';
export {
  loadModel,
  loadHfModel,
  readHfModel,
  readLlama2cModel,
  saveCheckpoint,
  type LoadedModel,
} from './model/checkpoint';
export { Llama2cTokenizer } from './tokenizer/llama2c';
export { HfTokenizer } from './tokenizer/hf';
export type { Tokenizer } from './tokenizer/tokenizer';
export { scoreTokenIds, SCORE_PREFIX } from './tokenizer/scoreTokens';

// decoding
export {
  generate,
  nextTokenLogits,
  nextTokenDistribution,
  type Generation,
  type FinishReason,
} from './decoding/generate';
export {
  DEFAULT_GENERATION,
  TRACT_COT_SAMPLING,
  resolveGenerationConfig,
  type GenerationConfig,
} from './decoding/generationConfig';

// data
export { generateTinyJudge, checkClauses, type TinyJudgeExample, type TinyJudgeData } from './data/tinyJudge';
export { JudgeTokens } from './data/judgeTokens';

// results: the on-disk formats, their readers and writers, run labels
export {
  SPLITS,
  SPLIT_NAMES,
  type ExperimentConfig,
  type Prediction,
  type CotReadout,
  type RunMetrics,
  type RunSummary,
  type SplitMetrics,
  type SuiteSummary,
  type Table,
  type Cell,
  type BenchmarkMetrics,
} from './results/formats';
export { readRunFolder, writeRunFolder } from './results/runFolder';
export { readSuiteFolder, suiteFolderProblem } from './results/suiteFolder';
export { runLabel, runSlug, compareRun } from './results/labels';

// training
export { train, DEFAULT_TRAIN, resolveTrainConfig, type TrainConfig, type TrainResult } from './training/trainer';
export { scorePlateau, type ScorePlateau, type ScoreStep } from './training/plateau';
export { OBJECTIVES, judgeObjective, type ObjectiveSpec } from './losses/objective';

// TRACT pipeline and reports
export { METHODS, methodSpec, paperNameOf } from './tract/methods';
export { loadExperiment, DEFAULT_EXPERIMENT, TRACT_SAMPLING } from './tract/config';
export { runExperiment } from './tract/pipeline';
export { runSuite, loadSuite } from './tract/suite';
export { buildTables } from './tract/suiteTables';
export { FULL_PROFILE, CLI_PROFILE, NOTEBOOK_PROFILE } from './tract/profiles';
export { toMarkdown, toCsv, toLatex } from './report/tables';
export { writeSuiteTables, writeBenchmarkTables } from './report/tableFiles';

// real benchmarks, the paper's numbers, figures
export {
  loadPrometheusBenchmark,
  loadFeedbackCollection,
  resolveBenchmark,
  SHIPPED_BENCHMARKS,
  type BenchmarkRecord,
  type FeedbackCollectionRecord,
} from './data/benchmarks';
export { applyChatTemplate, CHAT_TEMPLATES } from './data/chatTemplates';
export { readPaperResults, deriveFromLog, type PaperResult } from './data/paperResults';
export { evaluateBenchmark, benchmarkTable, type BenchmarkEvalOptions } from './tract/benchmarkEval';
export {
  judge,
  LocalJudge,
  judgeTokensFor,
  type JudgeBackend,
  type JudgeItem,
  type JudgeResult,
  type JudgeCallOptions,
} from './tract/judge';
export { OpenAIClient, RemoteJudge, type RemoteJudgeOptions } from './tract/remoteJudge';
export { exportLlamaFactory } from './tract/exportLlamaFactory';
export { startServer, type ServeOptions, type RunningServer } from './serve/server';
export { loadTest } from './serve/loadTest';
export {
  paperMainTable,
  paperAblationTable,
  paperLambdaTable,
  paperNCotTable,
  readOurRuns,
} from './report/paperTables';
export {
  ablationBars,
  predictedVsGold,
  trainingCurves,
  railDistribution,
  lambdaSweep,
  calibrationPlot,
  type Figure,
  type NamedFigure,
} from './report/figures';
export { figuresForResults } from './report/resultFigures';
export { exportFigures, figureToPng, figureToSvg, figureToPdf, closeFigureBrowser } from './report/exportFigures';
