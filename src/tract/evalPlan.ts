/**
 * Planning a benchmark evaluation (tract/benchmarkEval) before any weights are read: its options and
 * TRACT's defaults, the benchmark's records as examples, the chat template, the prompt budget and the
 * prompts cut from the left to it (every cut counted), and the run's identity from its settings.
 *
 * @module tract/evalPlan
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { applyChatTemplate, type ChatTemplate } from '../data/chatTemplates';
import { loadPrometheusBenchmark, resolveBenchmark, type BenchmarkRecord } from '../data/benchmarks';
import { JudgeTokens } from '../data/judgeTokens';
import type { BackendReport } from '../engine/backend';
import { loadModelConfig, loadModelTokenizer } from '../model/checkpoint';
import type { LlamaConfig } from '../model/config';
import type { BenchmarkMetrics } from '../results/formats';
import { DEFAULT_RESULTS_DIR, runDir } from '../results/paths';
import { TRACT_COT_SAMPLING } from '../decoding/generationConfig';
import { TRACT_SAMPLING } from './config';
import type { JudgeExample } from './evaluate';
import type { JudgeBackend } from './judge';
import { contentKey, modelDigest } from './provenance';

const ROOT = join(__dirname, '..', '..');

/**
 * Bumped when a change can move an evaluation's numbers (it is part of the run id). 2: seeds from each
 * record's id instead of its chunk, so the batch size and resume point do not change predictions.
 */
export const EVAL_VERSION = 2;

/** Options of `evaluateBenchmark` (tract/benchmarkEval). */
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
export interface EvalPlan {
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

/** The settings that identify a run (its id is their digest); paths shown relative to the working folder. */
function runConfig(
  opts: BenchmarkEvalOptions,
  run: {
    name: string;
    file: string;
    records: number;
    modelPath: string | null;
    chatTemplate: ChatTemplate;
    truncation: EvalPlan['truncation'];
  },
): Record<string, unknown> {
  const { name, file, modelPath, chatTemplate, truncation } = run;
  // paths as given relative to the working folder, so that run ids do not depend on where the checkout lives
  const shown = (p: string) => relative(process.cwd(), resolve(p)) || '.';
  const config: Record<string, unknown> = {
    benchmark: name,
    file: shown(file),
    fileDigest: contentKey(readFileSync(file, 'utf8'), 16),
    records: run.records,
    model: modelPath ? shown(modelPath) : null,
    modelDigest: modelPath ? modelDigest(modelPath) : null,
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
  if (opts.adapter) Object.assign(config, { adapter: shown(opts.adapter), adapterDigest: modelDigest(opts.adapter) });
  return config;
}

/** Loads the records, encodes the prompts and identifies the run from the model's config and tokenizer. */
export function planEvaluation(opts: BenchmarkEvalOptions): EvalPlan {
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
  const config = runConfig(opts, { name, file, records: records.length, modelPath, chatTemplate, truncation });
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
