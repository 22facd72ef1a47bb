/**
 * The notebooks' analyses beyond a suite's table: the distribution-shift RMSEs (notebook 04) and
 * the real benchmarks (notebook 09): their overview under a judge's tokenizer and an evaluation
 * read back or computed as `tract eval` does.
 *
 * @module notebook/analyses
 */
import type { BenchmarkRecord } from '../data/benchmarks';
import type { JudgeTokens } from '../data/judgeTokens';
import { initBackend, type BackendReport } from '../engine/backend';
import { ablationBars, type Figure, type IntervalPoint } from '../report/figures';
import {
  BENCHMARK_EVAL_DEFAULTS,
  evaluateBenchmark,
  type BenchmarkEvalOptions,
  type BenchmarkEvalResult,
} from '../tract/benchmarkEval';
import type { DistributionShiftResult } from '../tract/distributionShift';
import { notebookResultsDir } from './suites';

/**
 * The distribution-shift RMSEs (Markdown): per condition n, our RMSE, mean expected score vs mean target, the
 * paper's RMSE.
 */
export function distributionShiftTable(res: DistributionShiftResult): string {
  const f = (x: number | null, d = 3) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const lines = [
    '| condition | n | RMSE (ours) | mean RAIL | mean target | RMSE (paper, Mistral) |',
    '|---|---:|---:|---:|---:|---:|',
    ...res.rows.map(
      (r) =>
        `| ${r.condition} | ${r.n} | ${f(r.rmse)} | ${f(r.meanRail, 2)} | ${f(r.meanTarget, 2)} | ${f(r.paper, 2)} |`,
    ),
  ];
  const { stage1, stage2, selfCots } = res.sources;
  return (
    `${lines.join('\n')}\n\nTraining examples ${res.ids[0]} … ${res.ids[res.ids.length - 1]}; ` +
    `targets are the integer training scores. Models: ${stage1}, ${stage2}; self-CoTs: ${selfCots}.\n`
  );
}

/** Bars of the distribution-shift RMSEs: ours and the paper's per condition. */
export function distributionShiftFigure(res: DistributionShiftResult, profile: string): Figure {
  const points: IntervalPoint[] = res.rows.flatMap((r) => [
    { label: r.condition, group: `TinyJudge (ours, ${profile})`, value: r.rmse, lo: NaN, hi: NaN },
    { label: r.condition, group: 'paper (Mistral-7B)', value: r.paper ?? NaN, lo: NaN, hi: NaN },
  ]);
  return ablationBars(points, {
    title: 'Distribution shift: RMSE on training inputs',
    xTitle: 'condition: the model that reads the score | the CoTs it reads it after',
    yTitle: 'RMSE (lower is better)',
  });
}

/** Counts, labels and prompt lengths of one benchmark under a judge's tokenizer. */
export interface BenchmarkOverview {
  benchmark: string;
  records: number;
  labelMean: number;
  labelMin: number;
  labelMax: number;
  /** Prompt tokens (BOS included, as `evaluateBenchmark` encodes them without a chat template). */
  promptTokens: { min: number; median: number; p95: number; max: number };
  /** Prompts longer than `budget` (cut from the left by `evaluateBenchmark`). */
  overBudget: number;
  budget: number;
}

/** Lower quantile of sorted values: the element at floor(q·(n−1)) (as tools/benchmark_stats.ts). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/**
 * {@link BenchmarkOverview} of records: the prompt right-stripped and encoded as `evaluateBenchmark` does (no chat
 * template).
 */
export function benchmarkOverview(
  benchmark: string,
  records: readonly BenchmarkRecord[],
  jt: JudgeTokens,
  budget: number,
): BenchmarkOverview {
  if (records.length === 0) throw new Error(`${benchmark}: no records`);
  const lens = records.map((r) => jt.prompt(r.prompt.trimEnd()).length).sort((a, b) => a - b);
  const labels = records.map((r) => r.label);
  return {
    benchmark,
    records: records.length,
    labelMean: labels.reduce((a, b) => a + b, 0) / labels.length,
    labelMin: Math.min(...labels),
    labelMax: Math.max(...labels),
    promptTokens: { min: lens[0], median: quantile(lens, 0.5), p95: quantile(lens, 0.95), max: lens[lens.length - 1] },
    overBudget: lens.filter((l) => l > budget).length,
    budget,
  };
}

/** The overviews as a Markdown table. */
export function benchmarkOverviewTable(rows: readonly BenchmarkOverview[]): string {
  const lines = [
    '| benchmark | records | label mean | label min–max | ' +
      'prompt tokens min / median / p95 / max | prompts over budget |',
    '|---|---:|---:|---|---|---:|',
    ...rows.map((o) => {
      const t = o.promptTokens;
      const cells = [
        o.benchmark,
        o.records,
        o.labelMean.toFixed(3),
        `${o.labelMin.toFixed(2)}–${o.labelMax.toFixed(2)}`,
        `${t.min} / ${t.median} / ${t.p95} / ${t.max}`,
        `${o.overBudget} of ${o.records} (budget ${o.budget})`,
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** Options of {@link loadOrEvaluateBenchmark}: those of `evaluateBenchmark`, defaults as `tract eval`. */
export type LoadOrEvaluateOptions = Partial<Omit<BenchmarkEvalOptions, 'log' | 'backend'>> &
  Pick<BenchmarkEvalOptions, 'model' | 'benchmark'> & {
    log?: (line: string) => void;
    backend?: BackendReport | null;
  };

/**
 * A benchmark evaluation for a notebook, as `tract eval` does it (defaults included): `evaluateBenchmark`
 * reads back a complete run with the same settings (same run id) without computing or writing
 * anything, and computes it otherwise. `loaded` says which happened.
 */
export async function loadOrEvaluateBenchmark(
  opts: LoadOrEvaluateOptions,
): Promise<BenchmarkEvalResult & { loaded: boolean }> {
  const backend = opts.backend === undefined ? await initBackend() : opts.backend;
  const res = await evaluateBenchmark({
    ...BENCHMARK_EVAL_DEFAULTS,
    resultsDir: notebookResultsDir(),
    ...opts,
    backend,
    log: opts.log ?? ((line: string) => console.log(line)),
  });
  return { ...res, loaded: res.reused };
}
