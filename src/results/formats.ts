/**
 * The on-disk formats of runs and suites, as types: what `config.resolved.json`, `metrics.json`,
 * `predictions.jsonl`, `stages.json` and a suite's `summary.json` hold. Every module that reads or
 * writes these files takes its types from here; the readers and writers are in
 * `results/runFolder.ts` and `results/suiteFolder.ts`.
 *
 * @module results/formats
 */
import type { TinyJudgeConfig, TinyJudgeSplit } from '../data/tinyJudge';
import type { TrainConfig, TrainLogRow } from '../training/trainer';

/** The evaluation splits every TinyJudge run reports, in table order. */
export const SPLITS = ['test', 'test-ood'] as const satisfies readonly TinyJudgeSplit[];
/** A TinyJudge evaluation split. */
export type Split = (typeof SPLITS)[number];
/** The in-domain test split. */
export const IN_DOMAIN: Split = 'test';
/** The out-of-domain test split (held-out topics and wording). */
export const OUT_OF_DOMAIN: Split = 'test-ood';
/** How tables and figures name each split. */
export const SPLIT_NAMES: Readonly<Record<Split, string>> = Object.freeze({
  test: 'in-domain',
  'test-ood': 'out-of-domain',
});

/** Sampling settings (self-CoTs and evaluation CoTs). */
export interface SamplingConfig {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  repetitionPenalty: number;
}

/**
 * The TinyJudge settings of an experiment (`data`): the generator's config, with a string seed; `shift` (v4's
 * annotator slips) is left out of experiments that do not set it, so their run ids stay as they were.
 */
export type DataConfig = { kind: 'tinyjudge' } & Omit<TinyJudgeConfig, 'seed' | 'shift'> & {
    seed: string;
    shift?: number;
  };

/** The evaluation settings of an experiment (`eval`). */
export type EvalConfig = SamplingConfig & { nCot: number; seed: number; bootstrapSamples: number; batchSize: number };

/** A fully resolved experiment: the content of a run's `config.resolved.json`. */
export interface ExperimentConfig {
  version: number;
  description: string;
  method: string;
  /** Seed model: a path `loadModel` understands. */
  model: string;
  seed: number;
  data: DataConfig;
  /** Longest training sequence (prompt + target); longer prompts are cut from the left. */
  maxLen: number;
  train: TrainConfig;
  /**
   * Settings of the CoT-RAFT and RAFT objectives: λ, its warm-up ramp, the normalisation, and whether CoT-RAFT's
   * cross-entropy also covers the score digit (`ceIncludesScoreToken`: the paper's formula; absent or false: the
   * official code, which trains the digit through the squared error alone).
   */
  objective: {
    lambda: number;
    lambdaRampSteps: number;
    reduction: 'mean' | 'officialParity';
    ceIncludesScoreToken?: boolean;
  };
  selfCot: SamplingConfig & { seed: number };
  eval: EvalConfig;
}

/** The readout of one CoT (or of the score-only prompt). */
export interface CotReadout {
  cot: string | null;
  /** p("1")..p("5") under the full softmax. */
  probs: number[];
  /** 1 − Σ p(digits). */
  massOutside: number;
  /** RAIL: Σ k·p(k). */
  rail: number;
  /** Sampled score, or null when the sampled token is not a digit. */
  standard: number | null;
  /** Criteria whose yes/no clause the CoT got right (TinyJudge). */
  clauseCorrect?: number;
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

/** Metrics of one split: both readouts. */
export interface SplitResult {
  rail: SplitMetrics;
  standard: SplitMetrics;
  /** Mean probability mass outside the score tokens at the score position. */
  massOutside: number;
  /** Mean clause accuracy of the evaluation CoTs (CoT methods). */
  clauseAccuracy: number;
}

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

/** One training stage of a run (`stages.json`, and `metrics.json`'s `stages`). */
export interface StageRecord {
  name: string;
  /** Cache key of the stage (`<results>/cache/stages/<key>/`). */
  key: string;
  reused: boolean;
  steps: number;
  /** The last row of the stage's training log. */
  final: TrainLogRow | null;
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
  stages: StageRecord[];
  lambdaRampSteps: number;
}

/** A run in memory: what its folder holds that tables and figures need. */
export interface RunSummary {
  runId: string;
  dir: string;
  metrics: RunMetrics;
  predictions: Prediction[];
  /** The resolved experiment (`config.resolved.json`). */
  config: ExperimentConfig;
  /**
   * Whether the call that returned it trained, sampled or evaluated anything (false: every step came from
   * the cache); absent for runs read back from their folders.
   */
  computed?: boolean;
}

/** One run listed by a suite's `summary.json`. */
export interface SuiteRunEntry {
  seed: number;
  method: string;
  runId: string;
  dir: string;
}

/** A suite's `summary.json`. */
export interface SuiteSummary {
  profile: string;
  seeds: number;
  /** The suite file it ran. */
  suite: string;
  /** The method the verdicts compare against the others. */
  compare: string;
  runs: SuiteRunEntry[];
  /** Wall-clock seconds of the `runSuite` call that wrote it (absent in older folders). */
  wallSeconds?: number;
  /** Worker processes that ran experiments at once, and the wasm threads of each (absent in older folders). */
  jobs?: number;
  threads?: number;
}

/** One cell of a table: a value, optionally its spread (sd over seeds) and interval (bootstrap). */
export interface Cell {
  value: number;
  sd?: number;
  lo?: number;
  hi?: number;
}

/** A table as data (columns are a group and a metric key); `report/tables.ts` formats it. */
export interface Table {
  title: string;
  /** Row label columns (e.g. method, paper id, decoding). */
  labelColumns: string[];
  /** Value columns: a group (e.g. "in-domain") and a metric key. */
  columns: { group: string; metric: string }[];
  rows: { labels: string[]; cells: (Cell | null)[] }[];
  notes: string[];
  /** Put the best value of each column in bold (default true). */
  bold?: boolean;
}

/** `metrics.json` of a benchmark evaluation (`tract eval`). */
export interface BenchmarkMetrics {
  benchmark: string;
  file: string;
  model: string;
  decoding: 'cot-rail' | 'standard';
  primary: 'rail' | 'standard';
  nCot: number;
  records: number;
  judged: number;
  skipped: { index: number; field: string; reason: string }[];
  truncated: { count: number; maxTokensDropped: number; promptBudget: number };
  rail: SplitMetrics;
  standard: SplitMetrics;
  massOutside: number;
  seconds: number;
}
