import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { makeConfig } from '../../src/model/config';
import { LlamaModel, disposeCache } from '../../src/model/llama';
import { cotRaftLoss, findScorePositions } from '../../src/losses/cotRaft';
import { tokenCrossEntropy } from '../../src/losses/crossEntropy';
import { installWasmKernels } from '../../src/engine/wasmKernels';
import { TEST_BACKENDS, tensorsAfter, useBackend } from '../helpers/backends';
import { checkVariableGradient } from '../helpers/gradcheck';

/** A tiny GQA model with an untied head: every code path of the decoder. */
const tinyConfig = () =>
  makeConfig({ dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 24, vocabSize: 23, maxSeqLen: 32 });

/** Logits of the last position of each prompt run alone. */
function aloneLast(model: LlamaModel, prompt: number[]): number[] {
  const l = model.forward([prompt]);
  const out = Array.from(l.slice([0, prompt.length - 1, 0], [1, 1, -1]).dataSync());
  l.dispose();
  return out;
}

for (const backend of TEST_BACKENDS) {
  describe(`model/llama [${backend}]`, () => {
    before(() => useBackend(backend));

    it('KV-cache decoding equals full recomputation', () => {
      const model = LlamaModel.init(tinyConfig(), 1);
      const ids = [[3, 7, 1, 9, 4, 11, 2, 5]];
      const full = model.forward(ids); // [1, 8, V]
      // prefill 5 tokens, then 3 single-token steps
      let step = model.forwardWithCache([ids[0].slice(0, 5)], null);
      const pieces = [step.logits];
      let cache = step.cache;
      for (let t = 5; t < 8; t++) {
        step = model.forwardWithCache([[ids[0][t]]], cache);
        disposeCache(cache);
        cache = step.cache;
        pieces.push(step.logits);
      }
      const incremental = tf.concat(pieces, 1);
      assertClose(incremental, full, { atol: 1e-5, rtol: 1e-4 });
      tf.dispose([full, incremental, ...pieces]);
      disposeCache(cache);
      model.dispose();
    });

    it('lastOnly gives the last position of the full logits, with and without a cache', () => {
      const model = LlamaModel.init(tinyConfig(), 3);
      // 2 × 12 positions: the full head is a product of 24 rows, the last-only head one of 2 (the few-rows product)
      const ids = [
        [0, 0, 3, 7, 1, 9, 2, 4, 6, 8, 10, 12],
        [4, 11, 2, 5, 8, 6, 1, 3, 5, 7, 9, 11],
      ];
      const mask = [
        [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      ];
      const full = model.forward(ids, { attentionMask: mask }); // [2, 12, V]
      const want = full.slice([0, 11, 0], [2, 1, -1]); // [2, 1, V]
      const last = model.forward(ids, { attentionMask: mask, lastOnly: true });
      assert.deepEqual(last.shape, want.shape);
      assertClose(last, want, { atol: 0, rtol: 0 });
      const step = model.forwardWithCache(ids, null, { attentionMask: mask, lastOnly: true });
      assertClose(step.logits, want, { atol: 0, rtol: 0 });
      assert.deepEqual(step.cache.k[0].shape.slice(0, 3), [2, model.config.nKvHeads, 12], 'every position cached');
      tf.dispose([full, want, last, step.logits]);
      disposeCache(step.cache);
      model.dispose();
    });

    it('a left-padded batch equals the prompts run one by one (and right padding too)', () => {
      const model = LlamaModel.init(tinyConfig(), 2);
      const prompts = [
        [1, 5, 9],
        [1, 4, 8, 12, 16, 3],
        [1, 2],
      ];
      const t = 6;
      const left = prompts.map((p) => [...new Array(t - p.length).fill(0), ...p]);
      const leftMask = prompts.map((p) => [...new Array(t - p.length).fill(0), ...new Array(p.length).fill(1)]);
      const logits = model.forward(left, { attentionMask: leftMask });
      prompts.forEach((p, i) => {
        const row = Array.from(logits.slice([i, t - 1, 0], [1, 1, -1]).dataSync());
        assertClose(row, aloneLast(model, p), { atol: 1e-5, rtol: 1e-4, message: `left-padded row ${i}` });
      });
      const right = prompts.map((p) => [...p, ...new Array(t - p.length).fill(0)]);
      const rightMask = prompts.map((p) => [...new Array(p.length).fill(1), ...new Array(t - p.length).fill(0)]);
      const rlogits = model.forward(right, { attentionMask: rightMask });
      prompts.forEach((p, i) => {
        const row = Array.from(rlogits.slice([i, p.length - 1, 0], [1, 1, -1]).dataSync());
        assertClose(row, aloneLast(model, p), { atol: 1e-5, rtol: 1e-4, message: `right-padded row ${i}` });
      });
      tf.dispose([logits, rlogits]);
      model.dispose();
    });

    it('runs forward and backward through every op, with correct gradients (finite differences)', () => {
      const model = LlamaModel.init(tinyConfig(), 3);
      const ids = [
        [1, 6, 2, 9, 3, 4],
        [1, 8, 8, 2, 5, 0],
      ];
      const mask = [
        [0, 0, 1, 1, 1, 1],
        [0, 1, 1, 1, 1, 0],
      ];
      const loss = () => {
        const logits = model.forward(ids, {
          attentionMask: [
            [1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 0],
          ],
        });
        return cotRaftLoss({
          logits,
          targets: ids,
          mask,
          scorePos: findScorePositions(ids, mask),
          gold: [3, 1.5],
          scoreTokenIds: [2, 3, 4, 5, 6],
        }).total;
      };
      const { value, grads } = tf.variableGrads(loss, model.trainableVariables());
      assert.ok(Number.isFinite(value.dataSync()[0]));
      for (const [name, g] of Object.entries(grads)) {
        const norm = tf.tidy(() => tf.norm(g).dataSync()[0]);
        assert.ok(Number.isFinite(norm) && norm > 0, `gradient of ${name} is ${norm}`);
      }
      tf.dispose([value, grads]);
      // finite differences on a few parameters (float32: step 1e-2)
      checkVariableGradient(loss, model.params.get('model.embed_tokens.weight')!, { offset: 6 * 16 }); // token 6's row
      for (const name of [
        'model.layers.1.self_attn.k_proj.weight',
        'model.layers.0.mlp.down_proj.weight',
        'model.norm.weight',
        'lm_head.weight',
      ]) {
        checkVariableGradient(loss, model.params.get(name)!);
      }
      model.dispose();
    });

    it('an Adam training step leaks no tensors and lowers the loss', () => {
      const model = LlamaModel.init(tinyConfig(), 4);
      const ids = [[1, 6, 2, 9, 3, 4]];
      const mask = [[0, 0, 1, 1, 1, 1]];
      const opt = tf.train.adam(1e-2);
      const step = () => {
        const cost = opt.minimize(
          () => {
            const logits = model.forward(ids, { training: true });
            return cotRaftLoss({ logits, targets: ids, mask, scorePos: [4], gold: [4], scoreTokenIds: [2, 3, 4, 5, 6] })
              .total;
          },
          true,
          model.trainableVariables(),
        );
        const v = cost!.dataSync()[0];
        cost!.dispose();
        return v;
      };
      const first = step();
      assert.equal(
        tensorsAfter(() => step()),
        0,
      );
      let last = first;
      for (let i = 0; i < 20; i++) last = step();
      assert.ok(last < first * 0.5, `loss ${first} → ${last}`);
      opt.dispose();
      model.dispose();
    });

    it('rejects bad inputs with clear errors', () => {
      const model = LlamaModel.init(tinyConfig(), 5);
      assert.throws(() => model.forward([[1, 99]]), /inputIds\[0\]\[1\] = 99 is outside \[0, 23\)/);
      assert.throws(() => model.forward([[1, 2], [3]]), /row 1 has 1 tokens, row 0 has 2/);
      assert.throws(() => model.forward([new Array(33).fill(1)]), /position 32 exceeds maxSeqLen 32/);
      assert.throws(() => model.forward([[1, 2]], { attentionMask: [[1]] }), /attentionMask must have shape \[1, 2\]/);
      model.dispose();
    });
  });
}

describe('model/llama: a training step with the own one-pass kernels on wasm', () => {
  before(() => useBackend('wasm'));
  after(() => useBackend('wasm'));

  /** Loss and gradients of every variable after one forward and backward, as arrays. */
  function step(config: ReturnType<typeof makeConfig>): number[][] {
    const model = LlamaModel.init(config, 7);
    try {
      const ids = Array.from({ length: 3 }, (_, i) => Array.from({ length: 40 }, (_, j) => (i * 31 + j * 7) % 64));
      // right padding in the last row, as training batches have
      const mask = ids.map((row, i) => row.map((_, j) => (i === 2 && j >= 30 ? 0 : 1)));
      const targets = ids.map((row) => [...row.slice(1), 0]);
      const vars = model.trainableVariables();
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tokenCrossEntropy(model.forward(ids, { training: true, attentionMask: mask }), targets, mask),
          vars,
        );
        return [[value.dataSync()[0]], ...vars.map((v) => Array.from(grads[v.name].dataSync()))];
      });
    } finally {
      model.dispose();
    }
  }

  // head dimension 8 (the fused causal kernels) and 16 (products without the masked part), both rotary layouts
  for (const [hd, ropeStyle] of [
    [8, 'interleaved'],
    [16, 'halfSplit'],
  ] as const) {
    it(`has the bits of the composed ops (head dimension ${hd}, ${ropeStyle} rotary)`, () => {
      const config = makeConfig({ dim: 4 * hd, nLayers: 2, nHeads: 4, vocabSize: 64, maxSeqLen: 64, ropeStyle });
      const before = tf.memory().numTensors;
      const own = step(config);
      assert.equal(tf.memory().numTensors, before, 'a step leaves no tensor behind');
      installWasmKernels(new Set(['mlp', 'rope', 'ce']));
      let composed: number[][];
      try {
        composed = step(config);
      } finally {
        installWasmKernels();
      }
      for (const [i, g] of own.entries()) {
        assert.deepEqual(g, composed[i], i === 0 ? 'the loss' : `the gradient of variable ${i - 1}`);
      }
    });
  }
});
