import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { JudgeTokens } from '../../src/data/judgeTokens';
import { nextTokenLogits } from '../../src/decoding/generate';
import { assertClose } from '../../src/engine/asserts';
import { makeConfig } from '../../src/model/config';
import { parameterShapes } from '../../src/model/layout';
import { LlamaModel } from '../../src/model/llama';
import { Llama2cTokenizer } from '../../src/tokenizer/llama2c';
import { judgeExamples, type JudgeExample } from '../../src/tract/evaluate';
import { useBackend } from '../helpers/backends';

/**
 * judgeExamples (src/tract/evaluate.ts), which makes every number of the result tables, on models
 * whose next-token logits are set by hand, so that each readout is known in closed form.
 *
 * The model has zero attention and MLP weights, so the residual stream is the embedding of the
 * current token and the logits depend on the last token only. Every embedding row is zero except
 * that of the space token (410, the last token of both contexts), which is 1000 in every
 * dimension: after the final RMSNorm it is the all-ones vector, and row 0 of the output head then
 * gives the logits. After any other token the logits are all 0 (uniform). So the readout gives the
 * hand values only when it reads the logits right after the context.
 */
const TOKENIZER = join(__dirname, '..', '..', 'models', 'stories260K', 'tok512.bin');
const V = 512;
const SPACE = 410; // "▁": scoreOnlyContext = [410]; cotContext ends with 410
const HAPPY = 393; // " happy", the most likely token after the context unless penalised
const DIGIT_IDS = [475, 479, 472, 484, 480]; // "1".."5" in the stories260K vocabulary (not sorted by id)

/** A model whose logits after the space token are `z` (a sparse map; others 0) and 0 after any other token. */
function handModel(z: Map<number, number>): LlamaModel {
  const config = makeConfig({ dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 8, vocabSize: V, maxSeqLen: 128 });
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('norm.weight')) data.fill(1);
    if (name === 'model.embed_tokens.weight') data.fill(1000, SPACE * config.dim, (SPACE + 1) * config.dim);
    if (name === 'lm_head.weight') for (const [id, logit] of z) data[id] = logit; // row 0 of [dim, V]
    tensors.set(name, tf.tensor(data, shape));
  }
  return new LlamaModel(config, tensors);
}

const EVAL = {
  maxNewTokens: 3,
  temperature: 0,
  topP: 1,
  repetitionPenalty: 2,
  nCot: 1,
  seed: 7,
  bootstrapSamples: 10,
  batchSize: 2,
};

function example(id: string, text: string): JudgeExample {
  return { id, prompt: text, promptScoreOnly: text, label: 3, goldExact: 3 };
}

describe('tract/evaluate: judgeExamples on models with hand-set logits', function () {
  this.timeout(60000);
  let jt: JudgeTokens;
  before(async () => {
    await useBackend('wasm');
    jt = new JudgeTokens(Llama2cTokenizer.fromFile(TOKENIZER));
  });

  it("the toy's token ids are those of the stories260K tokenizer", () => {
    assert.deepEqual(jt.scoreIds, DIGIT_IDS);
    assert.deepEqual(jt.scoreOnlyContext, [SPACE]);
    assert.equal(jt.cotContext[jt.cotContext.length - 1], SPACE);
    assert.ok(jt.prompt('The cat is happy.').includes(HAPPY));
  });

  it('zero weights: uniform logits give p(k) = 1/512, RAIL = 15/512, mass outside = 507/512', async () => {
    const model = handModel(new Map());
    const preds = await judgeExamples({
      model,
      jt,
      examples: [example('a', 'A dog ran home.')],
      promptKind: 'score-only',
      eval: EVAL,
      split: 'test',
    });
    model.dispose();
    const r = preds[0].readouts[0];
    assertClose(
      r.probs,
      [1, 1, 1, 1, 1].map(() => 1 / V),
      { atol: 1e-9, rtol: 1e-5 },
    );
    assertClose(r.rail, 15 / V, { atol: 1e-9, rtol: 1e-5 });
    assertClose(r.massOutside, 507 / V, { atol: 1e-6, rtol: 1e-6 });
    assertClose(preds[0].rail, 15 / V, { atol: 1e-9, rtol: 1e-5 });
  });

  describe('logits ln 2, ln 4, ln 8, ln 16, ln 32 on "1".."5", ln 64 on " happy", 0 elsewhere', () => {
    // softmax weights: 2, 4, 8, 16, 32 on the digits, 64 on " happy", 1 on each of the other 506 tokens
    const weights = [2, 4, 8, 16, 32];
    const total = 2 + 4 + 8 + 16 + 32 + 64 + 506; // 632
    const probs = weights.map((w) => w / total);
    const rail = (1 * 2 + 2 * 4 + 3 * 8 + 4 * 16 + 5 * 32) / total; // 258 / 632
    const massOutside = (64 + 506) / total; // 570 / 632
    const logits = new Map(DIGIT_IDS.map((id, k): [number, number] => [id, Math.log(weights[k])]));
    logits.set(HAPPY, Math.log(64));
    // Standard decoding, greedy (temperature 0 → 1e-6), repetition penalty 2 on the prefix's tokens:
    //  - no " happy", no "5" in the prompt: " happy" (ln 64) wins: not a digit → null
    //  - " happy" in the prompt: ln 64 / 2 = 2.08 < ln 32 = 3.47 → "5"
    //  - " happy" and "5" in the prompt: ln 32 / 2 = 1.73, ln 64 / 2 = 2.08 < ln 16 = 2.77 → "4"
    const examples = [
      example('none', 'A dog ran home.'),
      example('happy', 'The cat is happy.'),
      example('happy-5', 'The happy cat gave 5 stars.'),
    ];
    const expectedStandard = [null, 5, 4];

    it('score-only: RAIL, the five probabilities, the mass outside the digits and the standard parse', async () => {
      const ids = examples.map((e) => jt.prompt(e.prompt));
      const has = ids.map((p) => [p.includes(HAPPY), p.includes(DIGIT_IDS[4])]);
      assert.deepEqual(has, [
        [false, false],
        [true, false],
        [true, true],
      ]);
      const model = handModel(logits);
      // the premise: after the prompt's last token the logits are 0; after the space token they are z
      const premise = nextTokenLogits(model, [jt.prompt(examples[1].prompt), [1, SPACE]]); // [2, V]
      const [afterPrompt, afterSpace] = premise.arraySync();
      premise.dispose();
      assert.deepEqual(afterPrompt, new Array(V).fill(0));
      const seen = [afterSpace[DIGIT_IDS[0]], afterSpace[HAPPY], afterSpace[0]];
      assertClose(seen, [Math.log(2), Math.log(64), 0], { atol: 1e-6 });
      const progress: [number, number][] = [];
      const preds = await judgeExamples({
        model,
        jt,
        examples,
        promptKind: 'score-only',
        eval: EVAL,
        split: 'test',
        onProgress: (d, t) => progress.push([d, t]),
      });
      model.dispose();
      assert.deepEqual(
        progress,
        [
          [2, 3],
          [3, 3],
        ],
        'batches of 2',
      );
      const keys = preds.map((p) => [p.id, p.split, p.gold, p.goldExact]);
      assert.deepEqual(
        keys,
        examples.map((e) => [e.id, 'test', 3, 3]),
      );
      preds.forEach((p, i) => {
        assert.equal(p.readouts.length, 1);
        const r = p.readouts[0];
        assert.equal(r.cot, null);
        assertClose(r.probs, probs, { atol: 1e-7, rtol: 1e-5, message: `${p.id} probs` });
        assertClose(r.rail, rail, { atol: 1e-7, rtol: 1e-5, message: `${p.id} RAIL` });
        assertClose(r.massOutside, massOutside, { atol: 1e-6, rtol: 1e-6, message: `${p.id} mass outside` });
        assert.equal(r.standard, expectedStandard[i], `${p.id} standard`);
        assertClose(p.rail, rail, { atol: 1e-7, rtol: 1e-5 });
        assert.equal(p.standard, expectedStandard[i]);
      });
    });

    it('CoT: the readout follows prompt + CoT + " So the overall score is ", n CoTs averaged', async () => {
      const model = handModel(logits);
      const preds = await judgeExamples({
        model,
        jt,
        examples,
        promptKind: 'cot',
        eval: { ...EVAL, nCot: 2 },
        split: 'dev',
      });
      model.dispose();
      preds.forEach((p, i) => {
        assert.equal(p.readouts.length, 2);
        for (const r of p.readouts) {
          assert.equal(typeof r.cot, 'string');
          assertClose(r.probs, probs, { atol: 1e-7, rtol: 1e-5, message: `${p.id} probs` });
          assertClose(r.rail, rail, { atol: 1e-7, rtol: 1e-5, message: `${p.id} RAIL` });
          // greedy CoTs after a non-space token are uniform argmaxes (token 0), never " happy" or a
          // digit, and the context holds neither: the penalty acts on the prompt's tokens as above
          assert.equal(r.standard, expectedStandard[i], `${p.id} standard`);
        }
        assertClose(p.rail, rail, { atol: 1e-7, rtol: 1e-5 });
        assert.equal(p.standard, expectedStandard[i]);
      });
    });
  });
});
