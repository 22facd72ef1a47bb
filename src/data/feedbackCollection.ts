/**
 * Feedback Collection, TRACT's training data (data/benchmarks): Hugging Face columns `orig_instruction`,
 * `orig_response`, `orig_reference_answer`, `orig_criteria`, `orig_score1_description` …
 * `orig_score5_description`, and `output` with "[RESULT] N".
 *
 * @module data/feedbackCollection
 */
import { buildTarget, loadTemplate, renderPrompt } from './prompts';
import { type Loaded, loadWith, RecordError, type SkippedRecord, str } from './recordFiles';

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
