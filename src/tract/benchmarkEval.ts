/**
 * Evaluating any judge on a Prometheus-format benchmark (Vicuna Bench, MT Bench, Feedback Bench,
 * FLASK, or a user's file) with CoT-RAIL or standard decoding, as TRACT's `inference.py` does
 * (docs/method.md §10): the stored prompt right-stripped, optionally wrapped in the seed model's
 * chat template, CoTs sampled at T 1.0 / top-p 0.9 / penalty 1.03, labels = mean GPT-4 score,
 * invalid standard-decoding outputs dropped and counted.
 *
 * A run writes `results/runs/<runId>/` like the pipeline (config.resolved.json, env.json,
 * predictions.jsonl, metrics.json) plus its correlation table. Predictions are judged in chunks whose
 * seeds depend only on the chunk, appended to `predictions.partial.jsonl`: an interrupted run resumes
 * where it stopped and gives the same predictions as an uninterrupted one.
 *
 * Prompts longer than the model's context are cut from the left (the rubric and "###Feedback:" at
 * the end are kept; the task header and the start of the instruction go first), and every cut is
 * counted: small models such as stories260K (512 tokens) can only be smoke-tested this way.
 *
 * @module tract/benchmarkEval
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { applyChatTemplate, type ChatTemplate } from '../data/chatTemplates';
import { loadPrometheusBenchmark, resolveBenchmark, type BenchmarkRecord } from '../data/benchmarks';
import { JudgeTokens } from '../data/judgeTokens';
import type { BackendReport } from '../engine/backend';
import { loadModel, loadModelConfig, loadModelTokenizer } from '../model/checkpoint';
import { loadLora, mergeLora } from '../model/lora';
import { acquireLock } from '../io/lock';
import type { LlamaConfig } from '../model/config';
import {
  appendJudged,
  discardEvalRun,
  finishJudging,
  judgedSoFar,
  readEvalRun,
  startEvalRun,
  writeEvalResult,
} from '../results/evalFolder';
import type { BenchmarkMetrics, Prediction, Table } from '../results/formats';
import { DEFAULT_RESULTS_DIR, runDir } from '../results/paths';
import { TRACT_COT_SAMPLING } from '../decoding/generationConfig';
import { TRACT_SAMPLING } from './config';
import { meanReadout, splitMetrics, type JudgeExample } from './evaluate';
import { type JudgeBackend, LocalJudge } from './judge';
import { contentKey, environment, pathDigest } from './provenance';

const ROOT = join(__dirname, '..', '..');

/**
 * Bumped when a change can move an evaluation's numbers (it is part of the run id). 2: seeds from each
 * record's id instead of its chunk, so the batch size and resume point do not change predictions.
 */
export const EVAL_VERSION = 2;

/** Options of {@link evaluateBenchmark}. */
export interface BenchmarkEvalOptions {
  /**
   * A model folder (HF format, our checkpoints, or a llama2.c folder). With a remote `judge` it gives the served
   * model's tokenizer and context (prompts sent as token ids, cut to the budget); '' sends text prompts as they are.
   */
  model: string;
  /** A judge other than the local model, e.g. a {@link RemoteJudge} (tract/remoteJudge); it goes in the run id. */
  judge?: JudgeBackend;
  /** A PEFT LoRA adapter folder, merged into the local model before judging (part of the run id). */
  adapter?: string;
  /** `vicuna`, `mt-bench`, or a path to a Prometheus-format file. */
  benchmark: string;
  /** The reported readout: CoT-RAIL (expected score after a sampled CoT) or standard decoding; both are saved. */
  decoding: 'cot-rail' | 'standard';
  nCot: number;
  /**
   * A chat template, or `auto`: `mistral` for Mistral models, `llama3` for Llama models with the Llama-3
   * vocabulary, else `none`.
   */
  chatTemplate: ChatTemplate | 'auto';
  maxNewTokens: number;
  temperature: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
  batchSize: number;
  /** Judge only the first N records (smoke runs). */
  limit?: number;
  /** Prompt budget in tokens; default: the model's context minus the CoT and score tokens. */
  maxPromptTokens?: number;
  /** Skip and count malformed records instead of failing. */
  lenient: boolean;
  bootstrapSamples: number;
  resultsDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  /** When another process holds the results folder's lock: wait for it (default) or fail at once. */
  wait?: boolean;
}

/** Defaults of TRACT's inference (docs/method.md §7, §10). */
export const BENCHMARK_EVAL_DEFAULTS = {
  decoding: 'cot-rail',
  nCot: 1,
  chatTemplate: 'auto',
  maxNewTokens: TRACT_COT_SAMPLING.maxNewTokens,
  temperature: TRACT_SAMPLING.temperature,
  topP: TRACT_SAMPLING.topP,
  repetitionPenalty: TRACT_SAMPLING.repetitionPenalty,
  seed: Number(TRACT_COT_SAMPLING.seed),
  batchSize: 8,
  lenient: false,
  bootstrapSamples: 1000,
  resultsDir: DEFAULT_RESULTS_DIR,
} as const;

/** The result of {@link evaluateBenchmark}. */
export interface BenchmarkEvalResult {
  runId: string;
  dir: string;
  metrics: BenchmarkMetrics;
  predictions: Prediction[];
  /** True when a complete run of the same settings was read back (nothing computed or written). */
  reused: boolean;
}

/** Benchmark records as examples to judge (prompt right-stripped as TRACT does; goldExact = rounded label). */
export function benchmarkExamples(records: BenchmarkRecord[]): JudgeExample[] {
  return records.map((r) => ({ id: r.id, prompt: r.prompt.trimEnd(), label: r.label, goldExact: Math.round(r.label) }));
}

/** The chat template of a model's family (docs/method.md §6.4); `none` for base models such as stories260K. */
export function autoChatTemplate(config: LlamaConfig): ChatTemplate {
  if (config.architecture === 'mistral') return 'mistral';
  if (config.architecture === 'llama' && config.vocabSize >= 128000) return 'llama3';
  return 'none';
}

/** Keeps the last `budget` tokens of a prompt (after its BOS, which stays). */
export function truncateLeft(ids: number[], budget: number, bos: number | null): { ids: number[]; dropped: number } {
  if (ids.length <= budget) return { ids, dropped: 0 };
  const head = bos !== null && ids[0] === bos ? [bos] : [];
  const kept = ids.slice(ids.length - (budget - head.length));
  return { ids: [...head, ...kept], dropped: ids.length - head.length - kept.length };
}

/** A benchmark's records and the judge's tokens, prompts and run identity, before any weights are read. */
interface EvalPlan {
  name: string;
  file: string;
  loaded: ReturnType<typeof loadPrometheusBenchmark>;
  examples: JudgeExample[];
  /** The local model folder, or null (a remote judge sent text prompts). */
  modelPath: string | null;
  /** Prompt ids of each example (chat-wrapped, cut from the left to the budget); empty without a model folder. */
  promptIds: Map<JudgeExample, number[]>;
  /** The text of each example's prompt (chat-wrapped) when no ids are sent. */
  promptText: (ex: JudgeExample) => string;
  truncation: BenchmarkMetrics['truncated'];
  config: Record<string, unknown>;
  runId: string;
  dir: string;
}

/** The prompt budget: the model's context minus the CoT and the forced score context. */
function promptBudget(opts: BenchmarkEvalOptions, context: number, jt: JudgeTokens, name: string): number {
  const reserve = opts.maxNewTokens + jt.cotContext.length + 1;
  const budget = opts.maxPromptTokens ?? context - reserve;
  if (budget < 16) {
    throw new Error(
      `prompt budget ${budget} tokens is too small (context ${context}, ${opts.maxNewTokens} new tokens): ` +
        'lower --max-new-tokens',
    );
  }
  if (budget + reserve > context) {
    opts.log(
      `[eval ${name}] warning: prompt budget ${budget} + ${reserve} generated tokens ` +
        `exceeds the model's context ${context}`,
    );
  }
  return budget;
}

/** Encodes (and cuts) every prompt with the model folder's tokenizer; returns the template and budget used. */
function encodePrompts(
  opts: BenchmarkEvalOptions,
  modelPath: string,
  examples: JudgeExample[],
  name: string,
): { promptIds: Map<JudgeExample, number[]>; chatTemplate: ChatTemplate; truncation: EvalPlan['truncation'] } {
  const modelConfig = loadModelConfig(modelPath);
  const tokenizer = loadModelTokenizer(modelPath);
  const jt = new JudgeTokens(tokenizer);
  const chatTemplate = opts.chatTemplate === 'auto' ? autoChatTemplate(modelConfig) : opts.chatTemplate;
  const budget = promptBudget(opts, modelConfig.maxSeqLen, jt, name);
  const truncation = { count: 0, maxTokensDropped: 0, promptBudget: budget };
  const promptIds = new Map<JudgeExample, number[]>();
  for (const ex of examples) {
    const t = truncateLeft(jt.chatPrompt(ex.prompt, chatTemplate), budget, tokenizer.bos);
    promptIds.set(ex, t.ids);
    if (t.dropped > 0) {
      truncation.count++;
      truncation.maxTokensDropped = Math.max(truncation.maxTokensDropped, t.dropped);
    }
  }
  return { promptIds, chatTemplate, truncation };
}

/** Loads the records, encodes the prompts and identifies the run from the model's config and tokenizer. */
function planEvaluation(opts: BenchmarkEvalOptions): EvalPlan {
  const { name, file } = resolveBenchmark(opts.benchmark, ROOT);
  const loaded = loadPrometheusBenchmark(file, { lenient: opts.lenient });
  if (loaded.skipped.length) {
    const first = loaded.skipped.slice(0, 3).map((s) => `record ${s.index} field '${s.field}': ${s.reason}`);
    opts.log(
      `[eval ${name}] skipped ${loaded.skipped.length} malformed record(s): ` +
        `${first.join('; ')}${loaded.skipped.length > 3 ? '; ...' : ''}`,
    );
  }
  const records = opts.limit !== undefined ? loaded.records.slice(0, opts.limit) : loaded.records;
  if (records.length === 0) throw new Error(`${file}: no records to judge`);
  const examples = benchmarkExamples(records);
  if (!opts.model && !opts.judge) throw new Error('evaluateBenchmark: a model folder or a remote judge is needed');
  const modelPath = opts.model ? resolve(opts.model) : null;
  const encoded = modelPath
    ? encodePrompts(opts, modelPath, examples, name)
    : {
        promptIds: new Map<JudgeExample, number[]>(),
        chatTemplate: (opts.chatTemplate === 'auto' ? 'none' : opts.chatTemplate) as ChatTemplate,
        truncation: { count: 0, maxTokensDropped: 0, promptBudget: 0 },
      };
  const { promptIds, chatTemplate, truncation } = encoded;
  // paths as given relative to the working folder, so that run ids do not depend on where the checkout lives
  const shown = (p: string) => relative(process.cwd(), resolve(p)) || '.';
  const config: Record<string, unknown> = {
    benchmark: name,
    file: shown(file),
    fileDigest: contentKey(readFileSync(file, 'utf8'), 16),
    records: records.length,
    model: modelPath ? shown(modelPath) : null,
    modelDigest: modelPath ? pathDigest(modelPath) : null,
    decoding: opts.decoding,
    nCot: opts.nCot,
    chatTemplate,
    maxNewTokens: opts.maxNewTokens,
    temperature: opts.temperature,
    topP: opts.topP,
    repetitionPenalty: opts.repetitionPenalty,
    seed: opts.seed,
    promptBudget: truncation.promptBudget,
    lenient: opts.lenient,
    version: EVAL_VERSION,
  };
  // only set when used, so that the ids of plain local runs stay as they were
  if (opts.judge) config.judge = opts.judge.describe();
  if (opts.adapter) Object.assign(config, { adapter: shown(opts.adapter), adapterDigest: pathDigest(opts.adapter) });
  const judgeTag = opts.judge ? `${opts.judge.kind}-` : '';
  const runId = `eval-${name}-${judgeTag}${contentKey(config, 8)}`;
  return {
    name,
    file,
    loaded,
    examples,
    modelPath,
    promptIds,
    promptText: (ex) => (chatTemplate === 'none' ? ex.prompt : applyChatTemplate(chatTemplate, ex.prompt).prompt),
    truncation,
    config,
    runId,
    dir: runDir(opts.resultsDir, runId),
  };
}

/** The judge of a run: the given backend, or the local model (with its adapter merged). */
function backendOf(opts: BenchmarkEvalOptions, plan: EvalPlan): { backend: JudgeBackend; dispose: () => void } {
  if (opts.judge) return { backend: opts.judge, dispose: () => {} };
  const { model, tokenizer } = loadModel(plan.modelPath as string);
  if (opts.adapter) {
    loadLora(model, opts.adapter);
    mergeLora(model);
    opts.log(`[eval ${plan.name}] LoRA adapter ${opts.adapter} merged into ${plan.modelPath}`);
  }
  return {
    backend: new LocalJudge(model, tokenizer, { source: plan.modelPath as string }),
    dispose: () => model.dispose(),
  };
}

/** Judges every example in chunks of `batchSize`, appending each chunk, resuming after the last whole one. */
async function judgeResumable(opts: BenchmarkEvalOptions, plan: EvalPlan): Promise<Prediction[]> {
  const { name, examples, dir } = plan;
  const chunk = opts.batchSize;
  const so = judgedSoFar(dir, chunk, examples.length);
  if (so.finished) {
    opts.log(`[eval ${name}] reusing ${dir}/predictions.jsonl`); // judged, but stopped before its metrics were written
    return so.predictions;
  }
  const predictions = so.predictions;
  const resumedAt = predictions.length;
  if (resumedAt) opts.log(`[eval ${name}] resuming after ${resumedAt}/${examples.length} judged records`);
  const { backend, dispose } = backendOf(opts, plan);
  const tStart = Date.now();
  const e = {
    maxNewTokens: opts.maxNewTokens,
    temperature: opts.temperature,
    topP: opts.topP,
    repetitionPenalty: opts.repetitionPenalty,
  };
  try {
    for (let b = resumedAt; b < examples.length; b += chunk) {
      // seeds come from each example's id (judgeExamples), so chunks and resume points cannot change them
      const seed = `${opts.seed}/${name}`;
      const outcomes = await backend.judgeExamples({
        examples: examples.slice(b, b + chunk),
        promptKind: 'cot',
        promptIds: plan.modelPath ? (ex) => plan.promptIds.get(ex) as number[] : undefined,
        promptText: plan.promptText,
        eval: { ...e, nCot: opts.nCot, seed, bootstrapSamples: opts.bootstrapSamples, batchSize: chunk },
        split: name,
      });
      const failed = outcomes.filter((o) => o.failure !== null).map((o) => o.failure);
      if (failed.length) {
        throw new Error(
          `[eval ${name}] ${failed.length} record(s) of this chunk could not be judged (rerun to resume): ` +
            failed.slice(0, 3).join('; '),
        );
      }
      const part = outcomes.map((o) => o.prediction as Prediction);
      appendJudged(dir, part);
      predictions.push(...part);
      const n = predictions.length;
      const rate = (n - resumedAt) / ((Date.now() - tStart) / 1000);
      const left = Math.ceil((examples.length - n) / Math.max(rate, 1e-9));
      opts.log(`[eval ${name}] judged ${n}/${examples.length} (${rate.toFixed(2)} records/s, about ${left} s left)`);
    }
  } finally {
    dispose();
  }
  finishJudging(dir);
  return predictions;
}

/** Evaluates a judge on one benchmark and writes its run folder. */
export async function evaluateBenchmark(opts: BenchmarkEvalOptions): Promise<BenchmarkEvalResult> {
  const t0 = Date.now();
  const plan = planEvaluation(opts);
  const lock = await acquireLock(opts.resultsDir, {
    wait: opts.wait,
    log: opts.log,
    command: `tract eval ${plan.name}`,
  });
  try {
    return await evaluatePlanned(opts, plan, t0);
  } finally {
    lock.release();
  }
}

/** {@link evaluateBenchmark} once the run is identified and the results folder is locked. */
async function evaluatePlanned(opts: BenchmarkEvalOptions, plan: EvalPlan, t0: number): Promise<BenchmarkEvalResult> {
  const { name, runId, dir } = plan;
  const done = readEvalRun(dir, plan.examples.length, opts.log);
  if (done) {
    // a complete run of the same settings: read it back, compute and write nothing
    opts.log(`[eval ${name}] results read from ${dir} (nothing computed)`);
    return { runId, dir, ...done, reused: true };
  }
  const created = startEvalRun(dir, {
    ...plan.config,
    batchSize: opts.batchSize,
    bootstrapSamples: opts.bootstrapSamples,
  });
  const { truncation } = plan;
  if (truncation.count) {
    opts.log(
      `[eval ${name}] ${truncation.count}/${plan.examples.length} prompts ` +
        `exceed ${truncation.promptBudget} tokens and are cut ` +
        `from the left (up to ${truncation.maxTokensDropped} tokens dropped)`,
    );
  }
  let predictions: Prediction[];
  try {
    predictions = await judgeResumable(opts, plan);
  } catch (err) {
    discardEvalRun(dir, created); // a failure before the first judged chunk leaves no folder behind
    throw err;
  }
  const metrics = benchmarkMetrics(opts, plan, predictions, t0);
  writeEvalResult(dir, metrics, environment(opts.backend, opts.seed));
  return { runId, dir, metrics, predictions, reused: false };
}

/** The run's metrics from its predictions (`t0`: when the evaluation started, for `seconds`). */
function benchmarkMetrics(
  opts: BenchmarkEvalOptions,
  plan: EvalPlan,
  predictions: Prediction[],
  t0: number,
): BenchmarkMetrics {
  const { name, loaded, truncation } = plan;
  const gold = predictions.map((p) => p.gold);
  return {
    benchmark: name,
    file: String(plan.config.file),
    model: opts.judge ? judgeName(opts.judge) : String(plan.config.model),
    decoding: opts.decoding,
    primary: opts.decoding === 'standard' ? 'standard' : 'rail',
    nCot: opts.nCot,
    records: loaded.records.length + loaded.skipped.length,
    judged: predictions.length,
    skipped: loaded.skipped,
    truncated: truncation,
    rail: splitMetrics(
      predictions.map((p) => p.rail),
      gold,
      opts.bootstrapSamples,
      `${opts.seed}/${name}`,
    ),
    standard: splitMetrics(
      predictions.map((p) => p.standard),
      gold,
      opts.bootstrapSamples,
      `${opts.seed}/${name}`,
    ),
    massOutside: meanReadout(predictions, (r) => r.massOutside),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** How a remote judge is named in metrics and tables: `openai:<url> <model name>`. */
function judgeName(judge: JudgeBackend): string {
  const d = judge.describe();
  return d.url ? `${judge.kind}:${String(d.url)} ${String(d.modelName ?? '')}`.trim() : String(d.model ?? judge.kind);
}

/** One table for several benchmark evaluations: per benchmark, CoT-RAIL and standard-decoding rows. */
export function benchmarkTable(runs: BenchmarkMetrics[]): Table {
  const rows: Table['rows'] = [];
  for (const m of runs) {
    for (const [readout, label] of [
      ['rail', 'CoT-RAIL'],
      ['standard', 'standard'],
    ] as const) {
      const s = m[readout];
      rows.push({
        labels: [m.benchmark, `${label}${m.primary === readout ? ' (primary)' : ''}`, String(m.nCot), String(m.judged)],
        cells: [
          { value: s.pearson, lo: s.pearsonLo, hi: s.pearsonHi },
          { value: s.spearman },
          { value: s.kendall },
          { value: s.rmse },
          { value: s.nInvalid },
        ],
      });
    }
  }
  const notes = [
    'Labels: mean of the GPT-4 scores. r with its 95% percentile bootstrap interval; ' +
      'invalid = standard-decoding outputs that are not a score (dropped from the correlations).',
    ...runs.map((m) => {
      const skipped = m.skipped.length ? ` (${m.skipped.length} malformed skipped)` : '';
      return (
        `${m.benchmark}: ${m.judged} of ${m.records} records judged${skipped}; ` +
        `${m.truncated.count} prompts cut from the left to ${m.truncated.promptBudget} tokens; ` +
        `mean probability mass outside the score digits ${m.massOutside.toFixed(3)}; model ${m.model}.`
      );
    }),
  ];
  return {
    title: 'Judge evaluation on benchmarks',
    labelColumns: ['benchmark', 'decoding', 'CoTs', 'n'],
    columns: ['pearson', 'spearman', 'kendall', 'rmse', 'nInvalid'].map((metric) => ({ group: '', metric })),
    rows,
    bold: false,
    notes,
  };
}
