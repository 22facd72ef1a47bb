/**
 * Writes small fixtures in the layouts of the two paper benchmarks that are too large to ship,
 * as prometheus-eval's eval/benchmark/data stores them (docs/method.md §10):
 *
 * - test/fixtures/data/feedback_bench_sample.json: Feedback Bench (`feedback_collection_ood_test.json`):
 *   a full Prometheus `instruction`, ONE GPT-4 score (`gpt4_score` is a number) and its feedback string,
 *   plus the `orig_*` columns it was rendered from.
 * - test/fixtures/data/flask_eval_sample.json: FLASK (`flask_eval.json`): `instruction`, lists of GPT-4
 *   scores and feedbacks, `human_score` list, `question_id`, `skill`.
 *
 *   npx tsx tools/make_benchmark_fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPrometheusBenchmark, renderBenchmarkPrompt, type PrometheusFields } from '../src/data/benchmarks';

const root = join(__dirname, '..');
const header = loadPrometheusBenchmark(join(root, 'data/benchmarks/vicuna_bench/vicuna_eval.json')).records[0].fields
  .header;
const fields = (
  instruction: string,
  response: string,
  reference: string,
  criteria: string,
  s: string[],
): PrometheusFields => ({
  header,
  instruction,
  response,
  reference_answer: reference,
  criteria,
  score1_description: s[0],
  score2_description: s[1],
  score3_description: s[2],
  score4_description: s[3],
  score5_description: s[4],
  tail: ' ',
});
const rubric = [
  'Inaccurate and unhelpful.',
  'Mostly inaccurate.',
  'Partly accurate, with gaps.',
  'Accurate with minor gaps.',
  'Accurate, complete and clear.',
];
const items = [
  fields(
    'How many legs does a spider have?',
    'A spider has eight legs.',
    'Spiders have eight legs, arranged in four pairs.',
    'Is the answer factually correct and complete?',
    rubric,
  ),
  fields(
    'Name the largest planet in the Solar System.',
    'Saturn is the largest planet.',
    'Jupiter is the largest planet in the Solar System.',
    'Is the answer factually correct and complete?',
    rubric,
  ),
  fields(
    'Summarise why leaves change colour in autumn.',
    'Chlorophyll breaks down, so yellow and orange pigments show; some trees also make red anthocyanins.',
    'As days shorten, trees stop making chlorophyll; carotenoids become visible and some species produce anthocyanins.',
    'Does the summary explain the mechanism accurately?',
    rubric,
  ),
];
const fb = items.map((f, i) => ({
  instruction: renderBenchmarkPrompt(f),
  orig_instruction: f.instruction,
  orig_response: f.response,
  orig_reference_answer: f.reference_answer,
  orig_criteria: f.criteria,
  orig_score1_description: rubric[0],
  orig_score2_description: rubric[1],
  orig_score3_description: rubric[2],
  orig_score4_description: rubric[3],
  orig_score5_description: rubric[4],
  gpt4_feedback:
    `Feedback ${i}: the response is ${['right', 'wrong', 'mostly right'][i]}. ` +
    `So the overall score is ${[5, 1, 4][i]}`,
  gpt4_score: [5, 1, 4][i],
}));
const flask = items.map((f, i) => ({
  question_id: 100 + i,
  skill: ['factuality', 'factuality', 'comprehension'][i],
  instruction: renderBenchmarkPrompt(f),
  gpt4_score: [
    [5, 5, 4],
    [1, 2, 1],
    [4, 4, 3],
  ][i],
  gpt4_feedback: [0, 1, 2].map((k) => `GPT-4 feedback ${k} on item ${i}.`),
  human_score: [
    [5, 4],
    [1, 1],
    [3, 4],
  ][i],
}));
writeFileSync(join(root, 'test/fixtures/data/feedback_bench_sample.json'), `${JSON.stringify(fb, null, 1)}\n`);
writeFileSync(join(root, 'test/fixtures/data/flask_eval_sample.json'), `${JSON.stringify(flask, null, 1)}\n`);
console.log('wrote test/fixtures/data/feedback_bench_sample.json and flask_eval_sample.json');
