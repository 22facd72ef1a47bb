import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { checkClauses, generateTinyJudge, SLOTS, slotValues, type TinyJudgeExample } from '../../src/data/tinyJudge';
import { pearson } from '../../src/metrics/correlation';
import { Llama2cTokenizer } from '../../src/tokenizer/llama2c';

const v4 = (shift: number, n = 2000) =>
  generateTinyJudge({ seed: 'tinyjudge-v4', generator: 'v4', shift, train: n, val: 0, test: 600, testOod: 300 });

describe('data/tinyJudge v4: annotator slips (the shift knob)', () => {
  it("shift 0 gives v3's training items for the same seed; no slips, test labels = truth", () => {
    const a = generateTinyJudge({ seed: 's', generator: 'v3', train: 50, val: 0, test: 50, testOod: 0 });
    const b = generateTinyJudge({ seed: 's', generator: 'v4', shift: 0, train: 50, val: 0, test: 50, testOod: 0 });
    for (const [x, y] of a.train.map((e, i) => [e, b.train[i]])) {
      assert.deepEqual([y.prompt, y.referenceCot, y.goldExact, y.slips], [x.prompt, x.referenceCot, x.goldExact, 0]);
    }
    for (const e of b.test) assert.deepEqual(e.annotators, [e.goldExact, e.goldExact, e.goldExact]);
  });

  it("slips at the rate of the knob; the reference annotator's score follows its own decisions", () => {
    for (const shift of [0.05, 0.1, 0.3]) {
      const d = v4(shift);
      const rate = d.train.reduce((s, e) => s + e.slips, 0) / (4 * d.train.length);
      // 8,000 decisions: the standard error of the rate is at most 0.0052
      assert.ok(Math.abs(rate - shift) < 0.02, `shift ${shift}: slip rate ${rate}`);
      for (const e of d.train) {
        const yes = (e.referenceCot.match(/: yes\./g) ?? []).length;
        assert.equal(e.goldExact, 1 + yes, e.id);
        const check = checkClauses(e.referenceCot, e.criteria);
        assert.equal(check.correct, 4 - e.slips, `${e.id}: a slip is a decision against the truth`);
        assert.ok(check.wellFormed);
      }
    }
  });

  it('test labels are the mean of three slipping annotators around the true score', () => {
    const d = v4(0.1);
    for (const e of d.test) {
      assert.equal(e.annotators.length, 3);
      assert.equal(e.label, e.annotators.reduce((a, b) => a + b, 0) / 3);
      assert.equal(e.goldExact, 1 + e.criteria.filter((c) => c.met).length);
    }
    const r = pearson(
      d.test.map((e) => e.label),
      d.test.map((e) => e.goldExact),
    );
    assert.ok(r > 0.9 && r < 1, `label vs truth r = ${r}`);
  });

  it('keeps the no-shortcut properties of v3 (length, sentences, held-out words: |r| < 0.1)', () => {
    const d = v4(0.1);
    const tok = Llama2cTokenizer.fromFile(join(__dirname, '..', '..', 'models', 'stories260K', 'tok512.bin'));
    const heldOut = (Object.keys(SLOTS) as (keyof typeof SLOTS)[]).flatMap((k) => slotValues(k, 'v4').heldOut);
    const unseen = (e: TinyJudgeExample) => heldOut.filter((w) => new RegExp(`\\b${w}\\b`).test(e.story)).length;
    const gold = d.train.map((e) => e.goldExact);
    const checks: [string, number[]][] = [
      ['prompt tokens', d.train.map((e) => tok.encode(e.prompt).length)],
      ['sentences', d.train.map((e) => e.story.split('.').length - 1)],
    ];
    for (const [what, xs] of checks) {
      const r = pearson(xs, gold);
      assert.ok(Math.abs(r) < 0.1, `${what}: r = ${r}`);
    }
    assert.ok(
      d.train.every((e) => unseen(e) === 0),
      'held-out words stay out of in-domain stories',
    );
    const ood = d.testOod.map(unseen);
    if (!ood.every((c) => c === ood[0])) {
      const r = pearson(
        ood,
        d.testOod.map((e) => e.label),
      );
      assert.ok(Math.abs(r) < 0.1, `out of domain: r = ${r}`);
    }
  });

  it('rejects a shift outside [0, 1] or without v4', () => {
    assert.throws(() => generateTinyJudge({ generator: 'v4', shift: 1.5 }), /shift must be in \[0, 1\]/);
    assert.throws(() => generateTinyJudge({ generator: 'v3', shift: 0.1 }), /shift 0.1 needs generator v4/);
  });
});
