import { strict as assert } from 'node:assert';
import { parseScore } from '../../src/decoding/parseScore';

const PROMPT_FORMAT_LINE =
  '3. The output format should look as follows: ' +
  '"Feedback: (write a feedback for criteria) [RESULT] (an integer number between 1 and 5)"';

// [output, expected score or a fragment of the invalid reason]
const CASES: [string, number | { invalid: RegExp }][] = [
  ['Feedback: The response is accurate and well organised. [RESULT] 4', 4],
  ['Feedback: The response misses the main point. [RESULT] 1', 1],
  ['The answer is clear, but one step is missing. So the overall score is 3', 3],
  ['The answer is clear. So the overall score is 3.', 3], // trailing period
  ['Feedback: Good. [RESULT] 5 out of 5', 5], // Prometheus-style scale suffix
  ['Feedback: Good. [RESULT] 4/5', 4],
  ['Feedback: Fine.   [RESULT]    2   ', 2], // extra whitespace
  ['Feedback: Fine.\n[RESULT]\n2\n', 2],
  ['Feedback: Partly right. [RESULT] (3)', 3],
  ['Feedback: Partly right. [RESULT] [3]', 3],
  ['Feedback: Weak. [RESULT] 2</s>', 2], // decoded EOS left in the text
  ['Feedback: Weak. [RESULT] 2<|eot_id|>', 2],
  ['Feedback: Strong. [RESULT] 5\n\nThe response would be better with an example.', 5], // text after a new line
  ['Feedback: The judge said "[RESULT] 2" earlier, but on reflection [RESULT] 4', 4], // the last marker wins
  // [RESULT] quoted from the prompt
  [`${PROMPT_FORMAT_LINE}\n\nFeedback: The response follows the rubric. [RESULT] 3`, 3],
  ['Score: 4', 4],
  ['feedback: ok. [result] 4', 4], // lower case
  ['Feedback: ok. [RESULT] 4.0', 4], // integral decimal, as TRACT's float(...) parse
  ['Score: 2.5', { invalid: /2\.5 is not an integer/ }],
  ['I rate this a 10', { invalid: /no score marker/ }],
  ['Feedback: Excellent work. [RESULT] 10', { invalid: /10 is outside 1-5/ }],
  ['Feedback: Excellent work. [RESULT] 0', { invalid: /0 is outside 1-5/ }],
  ['Feedback: ok. [RESULT] 8 out of 10', { invalid: /scale of 10, not 5/ }],
  ['Feedback: ok. [RESULT] 4 or 5', { invalid: /no score after '\[RESULT\]'/ }],
  ['Feedback: The response is fine. [RESULT]', { invalid: /nothing after '\[RESULT\]'/ }],
  // only the quoted template
  [PROMPT_FORMAT_LINE, { invalid: /no score after '\[RESULT\]' \(found '\(an integer number/ }],
  ['Feedback: The response is clear and correct.', { invalid: /no score marker/ }],
  ['', { invalid: /empty output/ }],
  ['   </s>', { invalid: /empty output/ }],
  ['So the overall score is four', { invalid: /no score after 'So the overall score is'/ }],
  ['Feedback: bad. [RESULT] -2', { invalid: /-2 is outside 1-5/ }],
];

describe('decoding/parseScore', () => {
  for (const [text, expected] of CASES) {
    it(`${JSON.stringify(text).slice(0, 70)} → ${typeof expected === 'number' ? expected : 'invalid'}`, () => {
      const parsed = parseScore(text);
      if (typeof expected === 'number') {
        assert.ok('score' in parsed, `expected ${expected}, got ${JSON.stringify(parsed)}`);
        assert.equal(parsed.score, expected);
      } else {
        assert.ok('invalid' in parsed, `expected invalid, got ${JSON.stringify(parsed)}`);
        assert.match(parsed.invalid, expected.invalid);
      }
    });
  }

  it('names the marker it used', () => {
    assert.deepEqual(parseScore('x [RESULT] 4'), { score: 4, marker: '[RESULT]' });
    assert.deepEqual(parseScore('x so the overall score is 2'), { score: 2, marker: 'So the overall score is' });
  });

  it('honours a custom range', () => {
    assert.deepEqual(parseScore('[RESULT] 7', { min: 1, max: 10 }), { score: 7, marker: '[RESULT]' });
    assert.ok('invalid' in parseScore('[RESULT] 5 out of 5', { max: 10 }));
  });
});
