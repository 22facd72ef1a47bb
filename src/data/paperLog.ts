/**
 * The TRACT authors' run log (`results.csv` of the official repository, one row per inference run) reduced to
 * the rows behind the paper's Mistral tables (data/paperResults), each mapped to the paper's method name
 * (docs/method.md §8-9).
 *
 * @module data/paperLog
 */
import { parse } from 'csv-parse/sync';
import { logNumber, type PaperBenchmark, type PaperMethod, type PaperResult, paperTextRows } from './paperRows';

/** Log `dataset` value → benchmark id (docs/method.md §10: FB Bench is the OOD test file). */
export const LOG_DATASETS: Record<string, PaperBenchmark> = {
  'data/feedback_collection_ood_test.json': 'fb-bench',
  'data/flask_eval.json': 'flask',
  'data/vicuna_eval.json': 'vicuna',
  'data/mt_bench_eval.json': 'mt-bench',
  'data/feedback_collection_test.json': 'feedback-collection-test',
};

/** Last path component of the log's `model_name_or_path` → paper method (docs/method.md §8). */
export const LOG_MODELS: Record<string, PaperMethod> = {
  sft_gpt4_cot_2_epoch: { method: 'ce-cot', paperRow: 'B2', paperMethod: 'CE (w/ CoT)', confirmed: true },
  'prometheus-7b-v2.0': { method: 'prometheus-2-7b', paperRow: 'B4', paperMethod: 'Prometheus-2-7B', confirmed: true },
  lora_cot_raft_lora_cot_raft_feedback_score_1: {
    method: 'tract',
    paperRow: 'T',
    paperMethod: 'TRACT',
    confirmed: true,
    lambda: 1,
  },
  lora_cot_raft_2_epoch: {
    method: 'cot-raft-ref',
    paperRow: 'A.1',
    paperMethod: 'CoT-RAFT, annotation CoT only',
    confirmed: true,
  },
  lora_sft_lora_sft_cot: {
    method: 'self-cot-ce',
    paperRow: 'A.2',
    paperMethod: 'Self-generated CoT, CE only',
    confirmed: true,
  },
  lora_cot_raft_lora_cot_raft_initial_gpt4: {
    method: 'tract-stage2-from-stage1',
    paperRow: 'A.3',
    paperMethod: 'Stage 2 initialised from stage 1',
    confirmed: true,
  },
  sft_lora_cot_raft_feedback_score_1: {
    method: 'cot-raft-then-ce',
    paperRow: 'A.4',
    paperMethod: 'CoT-RAFT then CE',
    confirmed: false,
  },
  sft_score_only_conitinue: {
    method: 'ce-then-raft',
    paperRow: 'A.5',
    paperMethod: 'CE then RAFT (sequential)',
    confirmed: false,
  },
  lora_cot_raft_mix_cot: {
    method: 'mixed-cot',
    paperRow: 'A.6',
    paperMethod: 'Mixed annotation + self CoT',
    confirmed: false,
  },
  cot_raft_lora_cot_raft_weight_1e_1: {
    method: 'tract-lambda-0.1',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = 0.1',
    confirmed: false,
    lambda: 0.1,
  },
  cot_raft_lora_cot_raft_weight_2e_1: {
    method: 'tract-lambda-0.2',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = 0.2',
    confirmed: false,
    lambda: 0.2,
  },
  // The suffix 5e_5 reads as 5e-5 but sits between 0.2 and 1 in the sweep; λ is left unknown.
  cot_raft_lora_cot_raft_weight_5e_5: {
    method: 'tract-lambda-5e_5',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = "5e_5" (ambiguous)',
    confirmed: false,
  },
  cot_raft_lora_cot_raft_weight_2: {
    method: 'tract-lambda-2',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = 2',
    confirmed: false,
    lambda: 2,
  },
  cot_raft_lora_cot_raft_weight_5: {
    method: 'tract-lambda-5',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = 5',
    confirmed: false,
    lambda: 5,
  },
  cot_raft_lora_cot_raft_weight_10: {
    method: 'tract-lambda-10',
    paperRow: 'A.7',
    paperMethod: 'TRACT, λ = 10',
    confirmed: false,
    lambda: 10,
  },
};

/** What {@link deriveFromLog} kept and why it left the other rows out (every log row is counted). */
export interface DerivedReference {
  rows: PaperResult[];
  /** Reason → number of log rows. */
  excluded: Record<string, number>;
  /** Identical rows (same run logged twice) merged into the first. */
  duplicates: number;
}

/**
 * Reduces the authors' run log to the rows behind the paper's Mistral tables. Rows are left out
 * (and counted by reason) when: their columns are shifted (a metric that is not a number in range —
 * the log mixes header versions), they ran on a subsample or on the Hugging Face copies of the data
 * (the paper uses the prometheus-eval files), or their model is not a row of the paper. Identical
 * repeated runs (metrics equal to 1e-12) are merged; two different results for the same model, benchmark,
 * decoding and n_cot are an error naming both lines.
 * @param text the log's CSV text.
 * @param file its name, for errors.
 */
export function deriveFromLog(text: string, file: string): DerivedReference {
  const records = parseLog(text, file);
  const excluded: Record<string, number> = {};
  const byKey = new Map<string, PaperResult>();
  let duplicates = 0;
  for (const [i, r] of records.entries()) {
    const row = rowFromLog(r, i + 2);
    if (typeof row === 'string') excluded[row] = (excluded[row] ?? 0) + 1;
    else if (isRepeat(byKey, row, file)) duplicates++;
  }
  return { rows: [...byKey.values(), ...paperTextRows()], excluded, duplicates };
}

/** The log columns {@link deriveFromLog} reads. */
const LOG_COLUMNS = [
  'model_name_or_path',
  'tokenizer',
  'dataset',
  'score_generation_mode',
  'num_samples',
  'n_cot',
  'pearson_r',
  'spearman_r',
  'kendall_tau',
  'rmse',
];

/** The log's records (one per CSV row after the header), checking that the columns read are present. */
function parseLog(text: string, file: string): Record<string, string>[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<
    string,
    string
  >[];
  const missing = LOG_COLUMNS.filter((c) => records.length > 0 && !(c in records[0]));
  if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')}`);
  return records;
}

/** The paper row a log record gives, or the reason it is left out. */
function rowFromLog(r: Record<string, string>, line: number): PaperResult | string {
  const metrics = ['pearson_r', 'spearman_r', 'kendall_tau', 'rmse'].map((c) => logNumber(r[c]));
  const nCot = logNumber(r.n_cot);
  const wellFormed =
    metrics.every((m) => m !== null) &&
    metrics.slice(0, 3).every((m) => Math.abs(m!) <= 1) &&
    (nCot === 1 || nCot === 5) &&
    (r.score_generation_mode === 'raft' || r.score_generation_mode === 'decode');
  if (!wellFormed) return 'shifted columns (malformed row)';
  if (r.num_samples !== '-1') return 'subsample run (num_samples != -1)';
  const benchmark = LOG_DATASETS[r.dataset];
  if (!benchmark) return `dataset not a paper benchmark file (${r.dataset})`;
  const repoModel = r.model_name_or_path.replace(/\/+$/, '').split('/').pop()!;
  const method = LOG_MODELS[repoModel];
  if (!method) return 'model not a row of the paper (exploratory run)';
  const [pearson, spearman, kendall, rmse] = metrics as number[];
  return {
    ...method,
    repoModel,
    seedModel: r.tokenizer,
    benchmark,
    decoding: r.score_generation_mode === 'raft' ? 'cot-rail' : 'standard',
    nCot: nCot!,
    pearson,
    spearman,
    kendall,
    rmse,
    temperature: Number(r.temperature),
    topP: Number(r.top_p),
    repetitionPenalty: Number(r.repetition_penalty),
    maxCotTokens: Number(r.max_cot_tokens),
    source: 'log',
    sourceLine: line,
  };
}

/**
 * Adds a log row under its model, benchmark, decoding and n_cot; true when that key already holds the same
 * results (the same run logged twice), an error naming both lines when it holds different ones.
 */
function isRepeat(byKey: Map<string, PaperResult>, row: PaperResult, file: string): boolean {
  const key = [row.repoModel, row.benchmark, row.decoding, row.nCot].join('|');
  const prev = byKey.get(key);
  if (!prev) {
    byKey.set(key, row);
    return false;
  }
  // The same run printed twice can differ in the last digit of a float (…691 vs …6915).
  const metrics = [row.pearson, row.spearman, row.kendall, row.rmse];
  const same = [prev.pearson, prev.spearman, prev.kendall, prev.rmse].every(
    (v, k) => Math.abs(v - metrics[k]) <= 1e-12 * Math.max(1, Math.abs(v)),
  );
  if (!same) {
    throw new Error(
      `${file}: lines ${prev.sourceLine} and ${row.sourceLine} give different results for ${row.repoModel} ` +
        `on ${row.benchmark} (${row.decoding}, n_cot ${row.nCot})`,
    );
  }
  return true;
}
