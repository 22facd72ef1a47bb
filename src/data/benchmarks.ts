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
 * @module data/benchmarks
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseJsonl } from '../io/jsonl';
import { buildTarget, loadTemplate, renderPrompt } from './prompts';

/** The parts of a Prometheus absolute-grading prompt. */
export interface PrometheusFields {
  /** Everything before "###The instruction to evaluate:" (the task description). */
  header: string;
  instruction: string;
  response: string;
  reference_answer: string;
  criteria: string;
  score1_description: string;
  score2_description: string;
  score3_description: string;
  score4_description: string;
  score5_description: string;
  /** What follows "###Feedback:" (a space in the benchmark files). */
  tail: string;
}

const MARKERS = {
  instruction: '###The instruction to evaluate:\n',
  response: '\n\n###Response to evaluate:\n',
  reference: '\n\n###Reference Answer (Score 5):\n',
  rubric: '\n\n###Score Rubrics:\n[',
  feedback: '\n\n###Feedback:',
};

/**
 * Splits a Prometheus prompt into its fields.
 * @throws naming the missing section.
 */
export function parsePrometheusPrompt(text: string): PrometheusFields {
  let pos = 0;
  const take = (marker: string, what: string): number => {
    const at = text.indexOf(marker, pos);
    if (at < 0) throw new Error(`no '${what}' section (expected ${JSON.stringify(marker)})`);
    return at;
  };
  const i0 = take(MARKERS.instruction, 'instruction');
  const header = text.slice(0, i0);
  pos = i0 + MARKERS.instruction.length;
  const i1 = take(MARKERS.response, 'response');
  const instruction = text.slice(pos, i1);
  pos = i1 + MARKERS.response.length;
  const i2 = take(MARKERS.reference, 'reference answer');
  const response = text.slice(pos, i2);
  pos = i2 + MARKERS.reference.length;
  const i3 = take(MARKERS.rubric, 'score rubric');
  const reference = text.slice(pos, i3);
  pos = i3 + MARKERS.rubric.length;
  const i4 = take(']\nScore 1: ', 'Score 1');
  const criteria = text.slice(pos, i4);
  pos = i4 + ']\nScore 1: '.length;
  const scores: string[] = [];
  for (let k = 2; k <= 5; k++) {
    const at = take(`\nScore ${k}: `, `Score ${k}`);
    scores.push(text.slice(pos, at));
    pos = at + `\nScore ${k}: `.length;
  }
  const i5 = take(MARKERS.feedback, 'feedback');
  scores.push(text.slice(pos, i5));
  return {
    header,
    instruction,
    response,
    reference_answer: reference,
    criteria,
    score1_description: scores[0],
    score2_description: scores[1],
    score3_description: scores[2],
    score4_description: scores[3],
    score5_description: scores[4],
    tail: text.slice(i5 + MARKERS.feedback.length),
  };
}

/** Renders parsed fields with the shipped benchmark template (the inverse of {@link parsePrometheusPrompt}). */
export function renderBenchmarkPrompt(f: PrometheusFields): string {
  const template = loadTemplate('benchmark');
  const { header, tail, ...fields } = f;
  const body = renderPrompt(template.slice(template.indexOf(MARKERS.instruction)), fields, 'renderBenchmarkPrompt');
  return header + body.slice(0, body.lastIndexOf('###Feedback:') + '###Feedback:'.length) + tail;
}

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

/** A record a lenient load skipped, and why. */
export interface SkippedRecord {
  index: number;
  field: string;
  reason: string;
}

/** The result of a load: the records, and those skipped in lenient mode. */
export interface Loaded<T> {
  file: string;
  records: T[];
  skipped: SkippedRecord[];
}

class RecordError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** A line of a benchmark file that is not a record (lenient mode): it stands in the record's place. */
class BadLine {
  constructor(readonly reason: string) {}
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LOSSY_UTF8 = new TextDecoder('utf-8');
/**
 * In lenient mode each undecodable sequence of a line that is not valid UTF-8 is replaced by
 * `MARK<line>MARK` (a noncharacter around the line number), so that the records holding one are
 * found after parsing, whichever lines they span.
 */
const MARK = '\uFDD0';
const MARKED = /\uFDD0(\d+)\uFDD0/;

/** Where decoding `bytes` as UTF-8 first fails (`bytes.length`: an incomplete sequence at the end). */
function firstInvalidByte(bytes: Uint8Array): number {
  const decodes = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  // a prefix that decodes (as the start of a stream) has only prefixes that decode: binary search
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (decodes(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Decodes a file strictly as UTF-8 (a byte-order mark is dropped). A line that is not valid UTF-8 is
 * an error naming the file and the line, or in lenient mode is returned marked (see {@link MARK})
 * with its reason in `badLines` (by 1-based line number).
 */
function decodeStrict(buf: Buffer, file: string, lenient: boolean): { text: string; badLines: Map<number, string> } {
  const badLines = new Map<number, string>();
  try {
    return { text: STRICT_UTF8.decode(buf), badLines };
  } catch {
    // find the line(s) below
  }
  const lines: string[] = [];
  const markable = lenient && !LOSSY_UTF8.decode(buf).includes(MARK);
  for (let start = 0, n = 1; start <= buf.length; n++) {
    const newline = buf.indexOf(0x0a, start);
    const end = newline < 0 ? buf.length : newline;
    const bytes = buf.subarray(start, end);
    try {
      lines.push(STRICT_UTF8.decode(bytes));
    } catch {
      const at = firstInvalidByte(bytes);
      if (!markable)
        throw new Error(`${file}: line ${n} is not valid UTF-8 (decoding fails at byte ${at} of the line)`);
      badLines.set(n, `invalid UTF-8 (line ${n}, byte ${at})`);
      lines.push(LOSSY_UTF8.decode(bytes).replaceAll('\uFFFD', `${MARK}${n}${MARK}`));
    }
    start = end + 1;
  }
  return { text: lines.join('\n'), badLines };
}

/**
 * The records of a JSON array or JSONL file, decoded strictly. In lenient mode a JSONL line that is
 * not valid JSON, and a record with bytes that are not valid UTF-8, become a {@link BadLine}.
 */
function readRecords(file: string, lenient: boolean): unknown[] {
  const { text, badLines } = decodeStrict(readFileSync(file), file, lenient);
  let records: unknown[];
  if (text.trimStart().startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not an array');
      records = parsed;
    } catch (err) {
      const message = (err as Error).message.replace(/\uFDD0(\d+\uFDD0)?/g, '\uFFFD'); // no marks shown
      const utf8 = badLines.size ? `; ${[...badLines.values()][0]}` : '';
      throw new Error(`${file}: not a valid JSON array (${message}${utf8})`);
    }
  } else {
    const onBadLine = (line: number, message: string) =>
      new BadLine(badLines.get(line) ?? `not valid JSON: ${message} (line ${line})`);
    records = parseJsonl<unknown>(text, file, lenient ? { onBadLine } : {});
  }
  if (badLines.size === 0) return records;
  return records.map((r) => {
    const marked = r instanceof BadLine ? null : MARKED.exec(JSON.stringify(r));
    return marked ? new BadLine(badLines.get(Number(marked[1]))!) : r;
  });
}

function loadWith<T>(file: string, lenient: boolean, parse: (r: Record<string, unknown>, i: number) => T): Loaded<T> {
  const raw = readRecords(file, lenient);
  const out: Loaded<T> = { file, records: [], skipped: [] };
  raw.forEach((r, i) => {
    try {
      if (r instanceof BadLine) throw new RecordError('(record)', r.reason);
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new RecordError('(record)', 'is not a JSON object');
      out.records.push(parse(r as Record<string, unknown>, i));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      if (!lenient) throw new Error(`${file}: record ${i}, field '${err.field}': ${err.message}`);
      out.skipped.push({ index: i, field: err.field, reason: err.message });
    }
  });
  return out;
}

function str(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (typeof v !== 'string')
    throw new RecordError(field, v === undefined ? 'is missing' : `must be a string, got ${typeof v}`);
  return v;
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

/** One Feedback Collection row, ready for training. */
export interface FeedbackCollectionRecord {
  index: number;
  /** `with_feedback.prompt` filled from the `orig_*` columns. */
  prompt: string;
  /** `no_feedback.prompt` filled from the same columns. */
  promptScoreOnly: string;
  /** TRACT's target: feedback cut before "So the overall" + " So the overall score is N". */
  target: string;
  score: number;
}

const ORIG = [
  'orig_instruction',
  'orig_response',
  'orig_reference_answer',
  'orig_criteria',
  'orig_score1_description',
  'orig_score2_description',
  'orig_score3_description',
  'orig_score4_description',
  'orig_score5_description',
];

/**
 * Loads Feedback Collection rows (JSON array or JSONL with the Hugging Face columns). Rows whose
 * `output` lacks "So the overall" are skipped as TRACT does (prepare_dataset.py L115-116) and
 * counted in `skipped` with field 'output' even in strict mode; other malformed rows throw.
 */
export function loadFeedbackCollection(
  file: string,
  options: { lenient?: boolean } = {},
): Loaded<FeedbackCollectionRecord> {
  const withFeedback = loadTemplate('with_feedback');
  const noFeedback = loadTemplate('no_feedback');
  const noPhrase: SkippedRecord[] = [];
  const loaded = loadWith(file, options.lenient ?? false, (r, i) => {
    const fields: Record<string, string> = {};
    for (const k of ORIG) fields[k] = str(r, k);
    const output = str(r, 'output');
    const m = /\[RESULT\]\s*([1-5])\s*$/.exec(output.trim());
    if (!m) throw new RecordError('output', 'does not end with "[RESULT] <1-5>"');
    const target = buildTarget(output.split('[RESULT]')[0], m[1]);
    if (target === null) {
      noPhrase.push({
        index: i,
        field: 'output',
        reason: 'no "So the overall" in the feedback (dropped, as TRACT does)',
      });
      return null;
    }
    return {
      index: i,
      prompt: renderPrompt(withFeedback, fields, `${file}: record ${i}`),
      promptScoreOnly: renderPrompt(noFeedback, fields, `${file}: record ${i}`),
      target,
      score: Number(m[1]),
    };
  });
  return {
    file,
    records: loaded.records.filter((r): r is FeedbackCollectionRecord => r !== null),
    skipped: [...loaded.skipped, ...noPhrase].sort((a, b) => a.index - b.index),
  };
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
