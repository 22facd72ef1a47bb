/**
 * The Prometheus absolute-grading prompt (data/benchmarks): its parts, split from a stored prompt and
 * rendered back with the shipped benchmark template.
 *
 * @module data/prometheusPrompt
 */
import { loadTemplate, renderPrompt } from './prompts';

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
