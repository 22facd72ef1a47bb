import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { checkClauses, generateTinyJudge, slotValues, SLOTS, type TinyJudgeExample } from '../../src/data/tinyJudge';
import { pearson } from '../../src/metrics/correlation';
import { Llama2cTokenizer } from '../../src/tokenizer/llama2c';

describe('data/tinyJudge', () => {
  const data = generateTinyJudge({ train: 3000, val: 100, test: 300, testOod: 300 });

  it('is deterministic by seed', () => {
    const again = generateTinyJudge({ train: 3000, val: 100, test: 300, testOod: 300 });
    assert.deepEqual(again.train.slice(0, 5), data.train.slice(0, 5));
    const other = generateTinyJudge({ seed: 'other', train: 5, val: 0, test: 0, testOod: 0 });
    assert.notDeepEqual(
      other.train.map((e) => e.prompt),
      data.train.slice(0, 5).map((e) => e.prompt),
    );
  });

  it('builds prompts, reference CoTs and labels consistently', () => {
    const e = data.train[0];
    assert.match(
      e.prompt,
      new RegExp(
        [
          /^Judge the story\. .*\nStory: .*\n/,
          /Items: 1\. .*\? 2\. .*\? 3\. .*\? 4\. .*\?\n/,
          /Score: 1 plus the items met\.\nFeedback:$/,
        ]
          .map((r) => r.source)
          .join(''),
      ),
    );
    assert.match(e.promptScoreOnly, /\nScore:$/);
    assert.equal(e.goldExact, 1 + e.criteria.filter((c) => c.met).length);
    assert.equal(e.label, e.goldExact);
    assert.deepEqual(checkClauses(e.referenceCot, e.criteria), { correct: 4, total: 4, wellFormed: true });
    // each clause quotes the story's value for the asked slot as evidence
    for (const m of e.referenceCot.matchAll(/([a-z]+), ([a-z]+): (yes|no)\./g)) {
      assert.ok(new RegExp(`\\b${m[2]}\\b`).test(e.story), `evidence '${m[2]}' is in the story`);
      assert.equal(m[3] === 'yes', m[1] === m[2]);
    }
    for (const c of e.criteria) {
      // a met criterion's value is in the story; an unmet one's is not
      assert.equal(new RegExp(`\\b${c.value}\\b`).test(e.story), c.met);
    }
    const t = data.test[0];
    assert.equal(t.annotators.length, 3);
    assert.equal(t.label, t.annotators.reduce((a, b) => a + b, 0) / 3);
  });

  it('has uniform gold scores and annotator noise at the stated rate', () => {
    const counts = [0, 0, 0, 0, 0];
    for (const e of data.train) counts[e.goldExact - 1]++;
    for (const c of counts) assert.ok(Math.abs(c / 3000 - 0.2) < 0.03, `gold distribution ${counts}`);
    const off = [...data.test, ...data.testOod]
      .flatMap((e) => e.annotators.map((a) => a !== e.goldExact))
      .filter(Boolean).length;
    // noise 0.3, minus clipping at 1 and 5 (half the moves at the ends are clipped): ≈ 0.3 × 0.8 = 0.24
    assert.ok(Math.abs(off / 1800 - 0.24) < 0.04, `annotator disagreement ${off / 1800}`);
    // test labels correlate with gold near the noise ceiling, not perfectly
    const r = pearson(
      data.test.map((e) => e.label),
      data.test.map((e) => e.goldExact),
    );
    assert.ok(r > 0.9 && r < 0.99, `label vs gold r = ${r}`);
  });

  it('keeps held-out values out of in-domain data and asks out-of-domain rubrics only about them', () => {
    const heldOut = new Set<string>(
      (Object.keys(SLOTS) as (keyof typeof SLOTS)[]).flatMap((k) => slotValues(k, 'v3').heldOut),
    );
    assert.equal(heldOut.size, 10);
    const words = (t: string) => t.toLowerCase().match(/[a-z]+/g) ?? [];
    for (const e of [...data.train, ...data.val, ...data.test]) {
      for (const w of words(e.story)) assert.ok(!heldOut.has(w), `${e.id}: '${w}' in an in-domain story`);
      for (const c of e.criteria) assert.ok(!heldOut.has(c.value), `${e.id}: ${c.value}`);
    }
    for (const e of data.testOod) for (const c of e.criteria) assert.ok(heldOut.has(c.value), `${e.id}: ${c.value}`);
  });

  it('has no lexical shortcut: the count of unseen words in a story says nothing about its score', () => {
    const heldOut = (Object.keys(SLOTS) as (keyof typeof SLOTS)[]).flatMap((k) => slotValues(k, 'v3').heldOut);
    const count = (e: TinyJudgeExample) => heldOut.filter((w) => new RegExp(`\\b${w}\\b`).test(e.story)).length;
    for (const split of [data.train, data.testOod]) {
      const counts = split.map(count);
      const constant = counts.every((c) => c === counts[0]);
      const r = constant
        ? 0
        : pearson(
            counts,
            split.map((e) => e.label),
          );
      assert.ok(Math.abs(r) < 0.1, `${split[0].split}: r = ${r}`);
    }
    // the v2 generator had this shortcut (kept only to reproduce its results): held-out words meant "unmet"
    const v2 = generateTinyJudge({ seed: 'tinyjudge-v2', generator: 'v2', train: 2000, val: 0, test: 0, testOod: 300 });
    const v2Held = Object.values(SLOTS).map((v) => v[v.length - 1]);
    const c2 = (e: TinyJudgeExample) => v2Held.filter((w) => new RegExp(`\\b${w}\\b`).test(e.story)).length;
    assert.ok(
      pearson(
        v2.train.map(c2),
        v2.train.map((e) => e.label),
      ) < -0.4,
    );
    assert.ok(
      pearson(
        v2.testOod.map(c2),
        v2.testOod.map((e) => e.label),
      ) > 0.9,
    );
  });

  it('has no length or slot-presence shortcut (|r| < 0.1 with the gold score)', () => {
    const tok = Llama2cTokenizer.fromFile(join(__dirname, '..', '..', 'models', 'stories260K', 'tok512.bin'));
    const gold = data.train.map((e) => e.goldExact);
    const lengthTokens = data.train.map((e) => tok.encode(e.prompt).length);
    const sentences = data.train.map((e) => e.story.split('.').length - 1);
    const rLen = pearson(lengthTokens, gold);
    const rSlots = pearson(sentences, gold);
    assert.ok(Math.abs(rLen) < 0.1, `length-only predictor r = ${rLen}`);
    assert.ok(Math.abs(rSlots) < 0.1, `slot-presence predictor r = ${rSlots}`);
    // and the prompts fit the context with room for the CoT
    assert.ok(Math.max(...lengthTokens) < 200, `longest prompt ${Math.max(...lengthTokens)} tokens`);
  });

  it('checkClauses counts right decisions and flags malformed CoTs', () => {
    const e: Pick<TinyJudgeExample, 'criteria'> = {
      criteria: [
        { slot: 'animal', value: 'cat', met: true },
        { slot: 'weather', value: 'rainy', met: false },
      ],
    };
    assert.deepEqual(checkClauses('cat, cat: yes. rainy, sunny: no.', e.criteria), {
      correct: 2,
      total: 2,
      wellFormed: true,
    });
    assert.deepEqual(checkClauses('cat, dog: no. rainy, cold: no.', e.criteria), {
      correct: 1,
      total: 2,
      wellFormed: true,
    });
    assert.deepEqual(checkClauses('rainy, sunny: no. cat, cat: yes.', e.criteria), {
      correct: 2,
      total: 2,
      wellFormed: false,
    });
    assert.deepEqual(checkClauses('cat, cat: yes.', e.criteria), { correct: 1, total: 2, wellFormed: false });
    assert.deepEqual(checkClauses('cat: yes. rainy: no.', e.criteria), { correct: 0, total: 2, wellFormed: false });
    assert.deepEqual(checkClauses('', e.criteria), { correct: 0, total: 2, wellFormed: false });
  });
});
