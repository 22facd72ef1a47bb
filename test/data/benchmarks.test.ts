import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadFeedbackCollection,
  loadPrometheusBenchmark,
  parsePrometheusPrompt,
  renderBenchmarkPrompt,
  resolveBenchmark,
} from '../../src/data/benchmarks';
import { parseJsonl } from '../../src/io/jsonl';
import { buildTarget, loadTemplate, placeholders, renderPrompt } from '../../src/data/prompts';

const ROOT = join(__dirname, '..', '..');
const VICUNA = join(ROOT, 'data', 'benchmarks', 'vicuna_bench', 'vicuna_eval.json');
const MT = join(ROOT, 'data', 'benchmarks', 'mt_bench', 'mt_bench_eval.json');

describe('data/prompts', () => {
  it('ships the three templates verbatim (§6)', () => {
    const wf = loadTemplate('with_feedback');
    assert.ok(
      wf.startsWith(
        '###Task Description:\nAn instruction (might include an Input inside it), a response to evaluate, ' +
          'a reference answer that gets a score of 5, ' +
          'and a score rubric representing an evaluation criterion is given.',
      ),
    );
    assert.ok(wf.endsWith('Score 5: {orig_score5_description}\n\n###Feedback:'), 'no newline at the end');
    assert.deepEqual(placeholders(wf), [
      'orig_instruction',
      'orig_response',
      'orig_reference_answer',
      'orig_criteria',
      'orig_score1_description',
      'orig_score2_description',
      'orig_score3_description',
      'orig_score4_description',
      'orig_score5_description',
    ]);
    const nf = loadTemplate('no_feedback');
    assert.match(nf, /1\. Write a score betweeb 1 to 5/, "the authors' typo is kept");
    assert.ok(nf.endsWith('###Score (an integer from 1 to 5):'));
    assert.ok(loadTemplate('benchmark').endsWith('###Feedback: '));
  });

  it('renders strictly: missing, non-string and unused fields are errors; braces in values are safe', () => {
    assert.equal(renderPrompt('a {x} b {y} {x}', { x: '{y}', y: '2' }), 'a {y} b 2 {y}');
    assert.throws(() => renderPrompt('a {x}', {}), /missing field 'x' for placeholder \{x\}/);
    assert.throws(() => renderPrompt('a {x}', { x: 3 }), /field 'x' must be a string/);
    assert.throws(
      () => renderPrompt('a {x}', { x: '1', orig_respons: '2' }),
      /field 'orig_respons' has no placeholder/,
    );
  });

  it("builds TRACT's target: cut at 'So the overall', append ' So the overall score is N'", () => {
    assert.equal(buildTarget('Good points. So the overall score is 4.', 4), 'Good points. So the overall score is 4');
    assert.equal(buildTarget('  Fine.  So the overall quality is high', '5'), 'Fine. So the overall score is 5');
    assert.equal(buildTarget('No phrase here.', 3), null);
  });
});

describe('data/benchmarks', () => {
  for (const [name, file] of [
    ['Vicuna Bench', VICUNA],
    ['MT Bench', MT],
  ] as const) {
    it(`${name}: loads all 320 records, none skipped, labels are means of three GPT-4 scores`, () => {
      const { records, skipped } = loadPrometheusBenchmark(file);
      assert.equal(records.length, 320);
      assert.equal(skipped.length, 0);
      for (const r of records) {
        assert.equal(r.gpt4Scores.length, 3);
        assert.equal(r.label, (r.gpt4Scores[0] + r.gpt4Scores[1] + r.gpt4Scores[2]) / 3);
        assert.ok(r.fields.criteria.length > 0 && r.fields.response.length > 0);
      }
      const mean = records.reduce((s, r) => s + r.label, 0) / records.length;
      // docs/data.md: mean label 4.146 (Vicuna), 3.489 (MT Bench)
      assert.equal(mean.toFixed(3), name === 'Vicuna Bench' ? '4.146' : '3.489');
    });

    it(`${name}: every prompt re-renders from its parsed fields byte for byte`, () => {
      const { records } = loadPrometheusBenchmark(file);
      const template = loadTemplate('benchmark');
      const templateHeader = template.slice(0, template.indexOf('###The instruction to evaluate:\n'));
      for (const r of records) {
        // the task description and the ending are the shipped template's, not just copied back
        assert.equal(r.fields.header, templateHeader, `record ${r.index} header`);
        assert.equal(r.fields.tail, ' ', `record ${r.index} tail`);
        assert.equal(renderBenchmarkPrompt(r.fields), r.prompt, `record ${r.index}`);
      }
    });
  }

  it('names the file, record and field of a malformed record; lenient mode skips and counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tract-bench-'));
    const good = loadPrometheusBenchmark(VICUNA).records[0];
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify([
        { instruction: good.prompt, gpt4_score: [5, 5, 4], gpt4_feedback: ['a', 'b', 'c'] },
        { instruction: good.prompt, gpt4_score: [5, 7, 4] },
        { instruction: 'no sections here', gpt4_score: [3] },
        'not an object',
      ]),
    );
    assert.throws(
      () => loadPrometheusBenchmark(file),
      /bad.json: record 1, field 'gpt4_score': element 1 is 7, not a score in 1..5/,
    );
    const lenient = loadPrometheusBenchmark(file, { lenient: true });
    assert.equal(lenient.records.length, 1);
    assert.deepEqual(
      lenient.skipped.map((s) => [s.index, s.field]),
      [
        [1, 'gpt4_score'],
        [2, 'instruction'],
        [3, '(record)'],
      ],
    );
    assert.throws(() => parsePrometheusPrompt('###Task\n###The instruction to evaluate:\nx'), /no 'response' section/);
  });

  describe('bytes that are not valid UTF-8, and JSONL lines that are not valid JSON', () => {
    const good = () => loadPrometheusBenchmark(VICUNA).records[0];
    /** A record's JSON with the byte 0xFF (never valid in UTF-8) in place of the 'X' in its instruction. */
    const withBadByte = (record: object) => {
      const bytes = Buffer.from(JSON.stringify(record));
      const x = bytes.indexOf('XX');
      bytes[x] = 0xff;
      return { bytes, x };
    };
    const record = (instruction: string) => ({ idx: 1, instruction, gpt4_score: [4, 4, 5] });

    it('JSONL: strict mode names the file and the line; lenient mode skips and counts the line', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tract-bench-'));
      const file = join(dir, 'bad.jsonl');
      const prompt = good().prompt;
      const bad = withBadByte(record(prompt.replace('###Response to evaluate:\n', '###Response to evaluate:\nXX')));
      const lines = [
        Buffer.from(JSON.stringify(record(prompt))),
        bad.bytes,
        Buffer.from('{"idx": 3, oops}'),
        Buffer.from(''),
      ];
      lines.splice(3, 0, Buffer.from(JSON.stringify(record(prompt))));
      writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
      assert.throws(
        () => loadPrometheusBenchmark(file),
        new RegExp(`bad.jsonl: line 2 is not valid UTF-8 \\(decoding fails at byte ${bad.x} of`),
      );
      const lenient = loadPrometheusBenchmark(file, { lenient: true });
      assert.deepEqual(
        lenient.records.map((r) => r.index),
        [0, 3],
      );
      assert.deepEqual(
        lenient.skipped.map((s) => [s.index, s.field]),
        [
          [1, '(record)'],
          [2, '(record)'],
        ],
      );
      assert.equal(lenient.skipped[0].reason, `invalid UTF-8 (line 2, byte ${bad.x})`);
      assert.match(lenient.skipped[1].reason, /^not valid JSON: .+ \(line 3\)$/);
      assert.ok(!lenient.records.some((r) => r.prompt.includes('\uFFFD')), 'nothing replaced and judged');
    });

    it('JSONL: a line that is not valid JSON is an error naming the line, skipped and counted when lenient', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'tract-bench-')), 'bad.jsonl');
      const line = JSON.stringify(record(good().prompt));
      writeFileSync(file, `${line}\n\n{"idx": 2, "instruction": \n${line}\n`);
      assert.throws(() => loadPrometheusBenchmark(file), /bad\.jsonl: line 3 is not valid JSON/);
      const lenient = loadPrometheusBenchmark(file, { lenient: true });
      assert.deepEqual(
        lenient.records.map((r) => r.index),
        [0, 2],
      );
      assert.deepEqual(
        lenient.skipped.map((s) => [s.index, s.field]),
        [[1, '(record)']],
      );
      assert.match(lenient.skipped[0].reason, /^not valid JSON: .+ \(line 3\)$/);
    });

    it('JSON array: strict mode names the line; lenient mode skips the record holding the bytes', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tract-bench-'));
      const file = join(dir, 'bad.json');
      const prompt = good().prompt;
      const records = [record(prompt), record(prompt.replace('###Feedback:', 'XX###Feedback:')), record(prompt)];
      const text = JSON.stringify(records, null, 2);
      const bytes = Buffer.from(text);
      const x = bytes.indexOf('XX');
      bytes[x] = 0xff;
      bytes[x + 1] = 0xe2; // a sequence cut short: an invalid byte, then a truncated one, on the same line
      writeFileSync(file, bytes);
      const line = text.slice(0, x).split('\n').length;
      const byte = x - (text.lastIndexOf('\n', x) + 1);
      assert.throws(
        () => loadPrometheusBenchmark(file),
        new RegExp(`bad.json: line ${line} is not valid UTF-8 \\(decoding fails at byte ${byte} `),
      );
      const lenient = loadPrometheusBenchmark(file, { lenient: true });
      assert.deepEqual(
        lenient.records.map((r) => r.index),
        [0, 2],
      );
      assert.deepEqual(lenient.skipped, [
        { index: 1, field: '(record)', reason: `invalid UTF-8 (line ${line}, byte ${byte})` },
      ]);
      // bytes outside any string make the array unreadable: still an error, naming the bad line
      writeFileSync(file, Buffer.concat([Buffer.from('[\n'), Buffer.from([0xff]), Buffer.from('\n]')]));
      assert.throws(
        () => loadPrometheusBenchmark(file, { lenient: true }),
        (err: Error) =>
          /bad\.json: not a valid JSON array \(.*; invalid UTF-8 \(line 2, byte 0\)\)/s.test(err.message) &&
          !err.message.includes('\uFDD0'),
      );
    });

    it('a byte-order mark is not an error', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'tract-bench-')), 'bom.json');
      writeFileSync(file, `\uFEFF${JSON.stringify([record(good().prompt)])}`);
      assert.equal(loadPrometheusBenchmark(file).records.length, 1);
    });
  });

  it('loads Feedback Bench (one GPT-4 score per record, a feedback string) from a fixture in its schema', () => {
    const { records, skipped } = loadPrometheusBenchmark(
      join(ROOT, 'test', 'fixtures', 'data', 'feedback_bench_sample.json'),
    );
    assert.equal(skipped.length, 0);
    assert.deepEqual(
      records.map((r) => r.label),
      [5, 1, 4],
    );
    assert.deepEqual(records[1].gpt4Scores, [1]);
    assert.equal(records[0].gpt4Feedback.length, 1);
    assert.equal(records[1].fields.instruction, 'Name the largest planet in the Solar System.');
    assert.equal(records[1].fields.reference_answer, 'Jupiter is the largest planet in the Solar System.');
    assert.equal(records[2].fields.score5_description, 'Accurate, complete and clear.');
    assert.equal(renderBenchmarkPrompt(records[2].fields), records[2].prompt);
  });

  it('loads FLASK (GPT-4 score lists, human scores kept apart) from a fixture in its schema', () => {
    const { records } = loadPrometheusBenchmark(join(ROOT, 'test', 'fixtures', 'data', 'flask_eval_sample.json'));
    assert.deepEqual(
      records.map((r) => r.label),
      [14 / 3, 4 / 3, 11 / 3],
    );
    assert.deepEqual(records[0].humanScores, [5, 4]);
    assert.equal(records[0].gpt4Feedback.length, 3);
    assert.equal(records[2].fields.criteria, 'Does the summary explain the mechanism accurately?');
  });

  it('resolves shipped benchmark names and user files; the unshipped paper benchmarks say how to get them', () => {
    assert.equal(resolveBenchmark('vicuna', ROOT).file, VICUNA);
    assert.equal(resolveBenchmark('mt-bench', ROOT).file, MT);
    assert.throws(
      () => resolveBenchmark('fb-bench', ROOT),
      /not shipped.*feedback_collection_ood_test\.json.*pass its path/,
    );
    assert.throws(() => resolveBenchmark('flask', ROOT), /flask_eval\.json/);
    assert.throws(
      () => resolveBenchmark('no/such.json', ROOT),
      /not a shipped benchmark \(vicuna, mt-bench\) and no such file/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'tract-bench-'));
    const file = join(dir, 'flask_eval.json');
    writeFileSync(file, '[]');
    assert.deepEqual(resolveBenchmark(file, ROOT), { name: 'flask', file });
  });

  it('loads Feedback Collection rows into TRACT prompts and targets (fixture in the HF schema)', () => {
    const { records, skipped } = loadFeedbackCollection(
      join(ROOT, 'test', 'fixtures', 'data', 'feedback_collection_sample.jsonl'),
    );
    assert.equal(records.length, 2);
    assert.deepEqual(
      skipped.map((s) => [s.index, s.field]),
      [[1, 'output']],
      'the row without "So the overall" is dropped and counted',
    );
    assert.equal(
      records[0].target,
      'The response names the right mechanism, Rayleigh scattering, but does not say why blue light scatters more. ' +
        'So the overall score is 4',
    );
    assert.equal(records[1].target, 'Seven is prime, so the answer is correct. So the overall score is 5');
    assert.match(
      records[0].prompt,
      /###The instruction to evaluate:\nExplain why the sky is blue\.\n\n###Response to evaluate:\nBecause of Rayleigh/,
    );
    assert.ok(records[0].prompt.endsWith('Score 5: The explanation is right and complete.\n\n###Feedback:'));
    assert.ok(records[0].promptScoreOnly.endsWith('###Score (an integer from 1 to 5):'));
  });
});

describe('data/jsonl', () => {
  it('parses JSON Lines, skipping blank lines, and names the real line of a bad record', () => {
    assert.deepEqual(parseJsonl('{"a":1}\n\n{"a":2}\n', 'f.jsonl'), [{ a: 1 }, { a: 2 }]);
    assert.throws(() => parseJsonl('{"a":1}\n\n{oops}\n', 'f.jsonl'), /f\.jsonl: line 3 is not valid JSON/);
  });

  it('drops a torn last line only when asked, and only the last one', () => {
    assert.deepEqual(parseJsonl('{"a":1}\n{"a":2}\n{"a":', 'p.jsonl', { dropTornLastLine: true }), [
      { a: 1 },
      { a: 2 },
    ]);
    assert.deepEqual(parseJsonl('{"a":1}\n{"a":\n\n', 'p.jsonl', { dropTornLastLine: true }), [{ a: 1 }]);
    assert.throws(() => parseJsonl('{"a":1}\n{"a":', 'p.jsonl'), /p\.jsonl: line 2 is not valid JSON/);
    assert.throws(
      () => parseJsonl('{oops}\n{"a":1}\n', 'p.jsonl', { dropTornLastLine: true }),
      /p\.jsonl: line 1 is not valid JSON/,
    );
  });
});
