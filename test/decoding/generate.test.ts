import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { Rng } from '../../src/engine/rng';
import { generate, leftPad, nextTokenDistribution, nextTokenLogits } from '../../src/decoding/generate';
import { resolveGenerationConfig, TRACT_COT_SAMPLING } from '../../src/decoding/generationConfig';
import {
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  ascendingOrder,
  selectToken,
  softmax,
} from '../../src/decoding/logitsProcessors';
import { loadModel } from '../../src/model/checkpoint';
import { useBackend } from '../helpers/backends';

const STORIES = join(__dirname, '..', '..', 'models', 'stories260K');

describe('decoding/logitsProcessors (hand values, Hugging Face semantics)', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const out = applyRepetitionPenalty(Float32Array.from([2, -1, 0.5, 3]), [0, 1, 1], 1.25);
    assertClose(out, [2 / 1.25, -1 * 1.25, 0.5, 3]);
  });

  it('top-k keeps the k largest and ties with the k-th', () => {
    assertClose(applyTopK(Float32Array.from([1, 5, 3, 5, 2]), 2), [-Infinity, 5, -Infinity, 5, -Infinity]);
    assertClose(applyTopK(Float32Array.from([1, 5, 3, 3, 2]), 2), [-Infinity, 5, 3, 3, -Infinity]);
  });

  it('top-p keeps the smallest set whose probability reaches p', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const logits = Float32Array.from(probs.map(Math.log));
    // ascending cumulative: 0.05, 0.20, 0.50, 1.0; drop while ≤ 1 − p
    assertClose(applyTopP(logits, 0.8), [Math.log(0.5), Math.log(0.3), -Infinity, -Infinity], { atol: 1e-6 });
    assertClose(applyTopP(logits, 0.81), [Math.log(0.5), Math.log(0.3), Math.log(0.15), -Infinity], { atol: 1e-6 });
    // always keeps the top token
    assertClose(applyTopP(logits, 0.01), [Math.log(0.5), -Infinity, -Infinity, -Infinity], { atol: 1e-6 });
    assertClose(softmax(Float32Array.from([0, Math.log(3)])), [0.25, 0.75], { atol: 1e-7 });
  });

  it('ascendingOrder is the order of a stable sort by value (ties, ±0, −∞, a 32,000-token vocabulary)', () => {
    const rng = new Rng('ascending-order');
    const pool = [-Infinity, -0, 0, 1, -1, 0.5, 2 ** -140, -(2 ** -140), 3.4e38, -3.4e38];
    for (const n of [1, 2, 5, 512, 32000]) {
      for (let trial = 0; trial < 5; trial++) {
        const x = Float32Array.from({ length: n }, () =>
          rng.uniform() < 0.4 ? pool[rng.int(pool.length)] : (rng.uniform() - 0.5) * 40,
        );
        const stable = Array.from(x.keys()).sort((a, b) => x[a] - x[b]);
        assert.deepEqual(Array.from(ascendingOrder(x)), stable, `n ${n}, trial ${trial}`);
      }
    }
    const view = new Float32Array(new Float32Array([9, 3, 1, 2]).buffer, 4, 3); // a view at an offset
    assert.deepEqual(Array.from(ascendingOrder(view)), [1, 2, 0]);
  });

  it('sampling follows the processed distribution', () => {
    const cfg = resolveGenerationConfig({ temperature: 0.5, topK: 2 });
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    // T = 0.5 on log(0.6), log(0.3), log(0.1), then top-2: 0.36 : 0.09 → 0.8 : 0.2
    const logits = Float32Array.from([0.6, 0.3, 0.1].map(Math.log));
    for (let i = 0; i < 5000; i++) counts[selectToken(logits, [], cfg, rng)]++;
    assert.equal(counts[2], 0);
    assertClose(counts[0] / 5000, 0.8, { atol: 0.02 });
  });

  it('generation configs are validated, unknown keys included', () => {
    assert.throws(() => resolveGenerationConfig({ topp: 0.9 } as never), /unknown key 'topp'/);
    assert.throws(() => resolveGenerationConfig({ topP: 0 }), /topP must be in \(0, 1\]/);
    assert.equal(TRACT_COT_SAMPLING.repetitionPenalty, 1.03);
  });

  it('leftPad pads on the left and masks the padding', () => {
    assert.deepEqual(leftPad([[5, 6], [7]], 0), {
      ids: [
        [5, 6],
        [0, 7],
      ],
      mask: [
        [1, 1],
        [0, 1],
      ],
    });
  });
});

describe('decoding/generate (stories260K)', () => {
  before(() => useBackend('wasm'));

  it('is reproducible by seed, independent of batch composition, and reports finish reasons', async () => {
    const { model, tokenizer } = loadModel(STORIES);
    const cfg = { maxNewTokens: 30, temperature: 1, topP: 0.9, repetitionPenalty: 1.03, seed: 5 };
    const [alone] = await generate(model, tokenizer, ['Tom had a red'], cfg);
    const batch = await generate(model, tokenizer, ['Tom had a red', 'The sun was'], cfg);
    assert.deepEqual(batch[0].tokenIds, alone.tokenIds, 'prompt 0 samples from the same stream in a batch');
    const again = await generate(model, tokenizer, ['Tom had a red', 'The sun was'], cfg);
    assert.deepEqual(
      again.map((g) => g.text),
      batch.map((g) => g.text),
    );
    const other = await generate(model, tokenizer, ['Tom had a red'], { ...cfg, seed: 6 });
    assert.notDeepEqual(other[0].tokenIds, alone.tokenIds);
    const stopped = await generate(model, tokenizer, ['Once upon a time'], {
      maxNewTokens: 60,
      temperature: 0,
      stop: ['park'],
    });
    assert.equal(stopped[0].finishReason, 'stop');
    assert.equal(stopped[0].text, ', there was a little girl named Lily. She loved to play outside in the ');
    // greedy continues with ',' (id 432): make it the EOS of a view of the tokenizer, then a stop token
    const commaEos = Object.create(tokenizer, { eos: { value: 432 } });
    const eos = await generate(model, commaEos, ['Once upon a time'], { maxNewTokens: 10, temperature: 0 });
    assert.deepEqual([eos[0].finishReason, eos[0].tokenIds, eos[0].text], ['eos', [432], '']);
    const stopTok = await generate(model, tokenizer, ['Once upon a time, there'], {
      maxNewTokens: 40,
      temperature: 0,
      stopTokenIds: [432],
    });
    assert.equal(stopTok[0].finishReason, 'stop');
    assert.equal(stopTok[0].text, ' was a little girl named Lily. She loved to play outside in the park. One day');
    assert.equal(stopTok[0].tokenIds.at(-1), 432);
    model.dispose();
  });

  it('nextTokenDistribution equals the last-position softmax of each prefix run alone', () => {
    const { model, tokenizer } = loadModel(STORIES);
    const prefixes = [
      tokenizer.encode('Once upon a time', { bos: true }),
      tokenizer.encode('Lily saw a', { bos: true }).slice(0, 3),
    ];
    const dists = nextTokenDistribution(model, prefixes, tokenizer.pad);
    prefixes.forEach((p, i) => {
      const logits = model.forward([p]);
      const alone = tf.tidy(() => tf.softmax(logits.slice([0, p.length - 1, 0], [1, 1, -1]).reshape([-1])));
      assertClose(dists[i], alone.dataSync(), { atol: 1e-6, rtol: 1e-4 });
      tf.dispose([logits, alone]);
      assertClose(
        dists[i].reduce((a, b) => a + b, 0),
        1,
        { atol: 1e-5 },
      );
    });
    const l = nextTokenLogits(model, prefixes);
    assert.deepEqual(l.shape, [2, 512]);
    l.dispose();
    model.dispose();
  });

  it('refuses prompts that would run past the context', async () => {
    const { model, tokenizer } = loadModel(STORIES);
    await assert.rejects(
      generate(model, tokenizer, ['Hi'], { maxNewTokens: 600 }),
      /exceeds the model's maxSeqLen 512/,
    );
    model.dispose();
  });
});
