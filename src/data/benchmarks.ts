/**
 * Loaders of LLM-as-a-judge data in the formats TRACT uses.
 *
 * - Prometheus-format evaluation files (`vicuna_eval.json`, `mt_bench_eval.json`, and the same layout
 *   for Feedback Bench and FLASK): records with a full `instruction` prompt and `gpt4_score` (a score
 *   or a list);
 *   the prompt is parsed into typed fields, and the label is the mean of the GPT-4 scores, as
 *   TRACT uses it (inference.py L116).
 * - Feedback Collection (training data; Hugging Face columns `orig_instruction`, `orig_response`,
 *   `orig_reference_answer`, `orig_criteria`, `orig_score1_description` … `orig_score5_description`,
 *   `output` with "[RESULT] N").
 *
 * Files are decoded strictly as UTF-8. Malformed records throw an error naming the file, the record
 * index and the field (a JSONL line that is not valid JSON, or a line that is not valid UTF-8: the
 * file and the line); with `lenient: true` they are skipped and listed in `skipped` instead (field
 * '(record)', the reason naming the line). Nothing is skipped silently.
 *
 * The prompt's parts are data/prometheusPrompt, the reading of records data/recordFiles, Feedback Collection
 * data/feedbackCollection; their names are re-exported here.
 *
 * @module data/benchmarks
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parsePrometheusPrompt, type PrometheusFields } from './prometheusPrompt';
import { type Loaded, loadWith, RecordError, str } from './recordFiles';

export { type FeedbackCollectionRecord, loadFeedbackCollection } from './feedbackCollection';
export { parsePrometheusPrompt, type PrometheusFields, renderBenchmarkPrompt } from './prometheusPrompt';
export type { Loaded, SkippedRecord } from './recordFiles';

/** One benchmark record. */
export interface BenchmarkRecord {
  /** `<file's idx>/<response_source>` or the record index. */
  id: string;
  index: number;
  /** The prompt as stored (TRACT rstrips it before use). */
  prompt: string;
  fields: PrometheusFields;
  /** The GPT-4 scores (one for Feedback Bench, three for Vicuna/MT Bench, a list for FLASK). */
  gpt4Scores: number[];
  gpt4Feedback: string[];
  /** Human scores where the file has them (FLASK's `human_score`); not used for the label. */
  humanScores?: number[];
  /** Mean of the GPT-4 scores. */
  label: number;
  category?: string;
  responseSource?: string;
}

/**
 * A score field: one score (Feedback Bench's `gpt4_score` is a number) or a non-empty list of
 * scores (Vicuna/MT Bench/FLASK), each in 1..5; null when absent and not required.
 */
function scoreList(r: Record<string, unknown>, field: string, required: boolean): number[] | null {
  const v = r[field];
  if (v === undefined || v === null) {
    if (required) throw new RecordError(field, 'is missing');
    return null;
  }
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0)
    throw new RecordError(field, 'must be a score or a non-empty list of scores');
  list.forEach((s, k) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 1 || s > 5)
      throw new RecordError(field, `element ${k} is ${JSON.stringify(s)}, not a score in 1..5`);
  });
  return list as number[];
}

/**
 * Loads a Prometheus-format evaluation file: Vicuna Bench and MT Bench (shipped), Feedback Bench
 * (`feedback_collection_ood_test.json`, one GPT-4 score per record) and FLASK (`flask_eval.json`,
 * GPT-4 and human score lists) from prometheus-eval's `eval/benchmark/data`. The label is the mean
 * of the GPT-4 scores (TRACT's `np.mean(instance['gpt4_score'])`).
 */
export function loadPrometheusBenchmark(file: string, options: { lenient?: boolean } = {}): Loaded<BenchmarkRecord> {
  return loadWith(file, options.lenient ?? false, (r, i) => {
    const prompt = str(r, 'instruction');
    let fields: PrometheusFields;
    try {
      fields = parsePrometheusPrompt(prompt);
    } catch (err) {
      throw new RecordError('instruction', (err as Error).message);
    }
    const scores = scoreList(r, 'gpt4_score', true)!;
    const human = scoreList(r, 'human_score', false);
    const raw = r.gpt4_feedback === undefined ? [] : r.gpt4_feedback;
    const feedback = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(feedback) || feedback.some((f) => typeof f !== 'string'))
      throw new RecordError('gpt4_feedback', 'must be a string or a list of strings');
    const idx = r.idx;
    const source = typeof r.response_source === 'string' ? r.response_source : undefined;
    return {
      id: idx !== undefined ? `${String(idx)}${source ? `/${source}` : ''}` : String(i),
      index: i,
      prompt,
      fields,
      gpt4Scores: scores,
      gpt4Feedback: feedback as string[],
      ...(human ? { humanScores: human } : {}),
      label: scores.reduce((a, b) => a + b, 0) / scores.length,
      category: typeof r.category === 'string' ? r.category : undefined,
      responseSource: source,
    };
  });
}

/** Benchmarks shipped in `data/benchmarks/` (paths relative to the package root). */
export const SHIPPED_BENCHMARKS: Record<string, string> = {
  vicuna: 'data/benchmarks/vicuna_bench/vicuna_eval.json',
  'mt-bench': 'data/benchmarks/mt_bench/mt_bench_eval.json',
};

/** Benchmarks of the paper that are too large to ship: the prometheus-eval file a user passes by path. */
export const EXTERNAL_BENCHMARKS: Record<string, string> = {
  'fb-bench': 'feedback_collection_ood_test.json',
  flask: 'flask_eval.json',
};

/**
 * A benchmark name (`vicuna`, `mt-bench`) or a path to a Prometheus-format file → its name and file.
 * @throws for `fb-bench`/`flask` (not shipped: pass the file's path) and for a missing path.
 */
export function resolveBenchmark(nameOrPath: string, root: string): { name: string; file: string } {
  const shipped = SHIPPED_BENCHMARKS[nameOrPath];
  if (shipped) return { name: nameOrPath, file: join(root, shipped) };
  const external = EXTERNAL_BENCHMARKS[nameOrPath];
  if (external) {
    throw new Error(
      `benchmark '${nameOrPath}' is not shipped (too large): download ${external} ` +
        "from prometheus-eval's eval/benchmark/data and pass its path",
    );
  }
  if (!existsSync(nameOrPath)) {
    throw new Error(
      `benchmark '${nameOrPath}': not a shipped benchmark (${Object.keys(SHIPPED_BENCHMARKS).join(', ')}) ` +
        'and no such file',
    );
  }
  const base = basename(nameOrPath).replace(/\.(json|jsonl)$/, '');
  const known = Object.entries(EXTERNAL_BENCHMARKS).find(([, f]) => f === basename(nameOrPath));
  return { name: known ? known[0] : base, file: nameOrPath };
}
