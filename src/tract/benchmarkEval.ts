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
import { loadModel } from '../model/checkpoint';
import { loadLora, mergeLora } from '../model/lora';
import { acquireLock } from '../io/lock';
import {
  appendJudged,
  discardEvalRun,
  finishJudging,
  judgedSoFar,
  readEvalRun,
  startEvalRun,
  writeEvalResult,
} from '../results/evalFolder';
import type { BenchmarkMetrics, Prediction } from '../results/formats';
import { type BenchmarkEvalOptions, type EvalPlan, planEvaluation } from './evalPlan';
import { meanReadout, splitMetrics } from './evaluate';
import { type JudgeBackend, LocalJudge } from './judge';
import { environment } from './provenance';

export {
  autoChatTemplate,
  BENCHMARK_EVAL_DEFAULTS,
  type BenchmarkEvalOptions,
  benchmarkExamples,
  EVAL_VERSION,
  truncateLeft,
} from './evalPlan';
export { benchmarkTable } from './benchmarkTable';

/** The result of {@link evaluateBenchmark}. */
export interface BenchmarkEvalResult {
  runId: string;
  dir: string;
  metrics: BenchmarkMetrics;
  predictions: Prediction[];
  /** True when a complete run of the same settings was read back (nothing computed or written). */
  reused: boolean;
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
