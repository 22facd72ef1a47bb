/**
 * The rows of the paper's reference numbers (data/paperResults): the benchmarks, what a row stands for in the
 * paper, a row's fields, and the two main-table rows taken from the paper's text (docs/method.md §9.1).
 *
 * @module data/paperRows
 */

/** The benchmarks of the paper (and the in-domain Feedback Collection test split of the log). */
export const PAPER_BENCHMARKS = ['fb-bench', 'flask', 'vicuna', 'mt-bench'] as const;
export type PaperBenchmark = (typeof PAPER_BENCHMARKS)[number] | 'feedback-collection-test';

/** What a repository model name of the log stands for in the paper. */
export interface PaperMethod {
  /** Our method id (src/tract/methods.ts) where one exists, else a descriptive id. */
  method: string;
  /** Row id of docs/method.md §8 (B1-B4, T, A.1-A.7). */
  paperRow: string;
  /** The paper's name for the row. */
  paperMethod: string;
  /** True where the log's numbers equal the numbers the paper prints (§8 ✔). */
  confirmed: boolean;
  /** λ of the λ sweep (A.7), when known. */
  lambda?: number;
}

/** Where a row's numbers come from. */
export type PaperSource = 'log' | 'paper-text';

/** One row of `tract-paper-results.csv`. */
export interface PaperResult extends PaperMethod {
  repoModel: string;
  seedModel: string;
  /** A benchmark, or `average` for the paper-text rows that give the average Spearman only. */
  benchmark: PaperBenchmark | 'average';
  /**
   * `cot-rail` (the log's score_generation_mode `raft` on a CoT model), `standard` (`decode`), `rail` (no CoT), or
   * `unknown`.
   */
  decoding: 'cot-rail' | 'standard' | 'rail' | 'unknown';
  nCot: number;
  pearson: number;
  spearman: number;
  kendall: number;
  rmse: number;
  temperature: number;
  topP: number;
  repetitionPenalty: number;
  maxCotTokens: number;
  source: PaperSource;
  /** 1-based line of the row in the authors' results.csv (header = line 1); 0 for paper-text rows. */
  sourceLine: number;
}

/** A number as the log and the reference file write it. */
export const NUM = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A log field as a number, or null when it is not one. */
export function logNumber(v: string | undefined): number | null {
  return v !== undefined && NUM.test(v.trim()) ? Number(v) : null;
}

/**
 * The two main-table rows absent from the authors' log, as docs/method.md §9.1 gives them (Pearson
 * per benchmark; the average Spearman only as an average). Which decoding the paper used for
 * CE w/o CoT is not stated; RAFT is read with RAIL.
 */
export const PAPER_TEXT_ROWS: {
  method: PaperMethod;
  decoding: PaperResult['decoding'];
  pearson: Record<(typeof PAPER_BENCHMARKS)[number], number>;
  avgPearson: number;
  avgSpearman: number;
}[] = [
  {
    method: { method: 'ce-no-cot', paperRow: 'B1', paperMethod: 'CE (w/o CoT)', confirmed: true },
    decoding: 'unknown',
    pearson: { 'fb-bench': 0.89, flask: 0.355, vicuna: 0.429, 'mt-bench': 0.279 },
    avgPearson: 0.488,
    avgSpearman: 0.483,
  },
  {
    method: { method: 'raft', paperRow: 'B3', paperMethod: 'RAFT', confirmed: true },
    decoding: 'rail',
    pearson: { 'fb-bench': 0.932, flask: 0.509, vicuna: 0.567, 'mt-bench': 0.483 },
    avgPearson: 0.623,
    avgSpearman: 0.605,
  },
];

/** The rows taken from the paper's text (no log row behind them): per-benchmark Pearson and the averages. */
export function paperTextRows(): PaperResult[] {
  const rows: PaperResult[] = [];
  for (const t of PAPER_TEXT_ROWS) {
    const base = {
      ...t.method,
      repoModel: '',
      seedModel: 'mistralai/Mistral-7B-Instruct-v0.2',
      decoding: t.decoding,
      nCot: 1,
      kendall: NaN,
      rmse: NaN,
      temperature: NaN,
      topP: NaN,
      repetitionPenalty: NaN,
      maxCotTokens: NaN,
      source: 'paper-text' as const,
      sourceLine: 0,
    };
    for (const b of PAPER_BENCHMARKS) rows.push({ ...base, benchmark: b, pearson: t.pearson[b], spearman: NaN });
    rows.push({ ...base, benchmark: 'average', pearson: t.avgPearson, spearman: t.avgSpearman });
  }
  return rows;
}
