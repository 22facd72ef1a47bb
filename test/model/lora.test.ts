import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { makeConfig } from '../../src/model/config';
import { LlamaModel } from '../../src/model/llama';
import { attachLora, detachLora, loadLora, mergeLora, saveLora } from '../../src/model/lora';
import { TEST_BACKENDS, tensorsAfter, useBackend } from '../helpers/backends';

const config = () =>
  makeConfig({ dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 24, vocabSize: 19, maxSeqLen: 16 });
const IDS = [[1, 4, 7, 2, 9, 3]];

/** Sets every LoRA B to small random values so the adapters change the output. */
function perturbB(model: LlamaModel, seed: number): void {
  let s = seed;
  for (const [, b] of model.lora!.adapters.values()) b.assign(tf.randomNormal(b.shape, 0, 0.2, 'float32', s++));
}

for (const backend of TEST_BACKENDS) {
  describe(`model/lora [${backend}]`, () => {
    before(() => useBackend(backend));

    it('with B = 0 the adapted model equals the base model', () => {
      const model = LlamaModel.init(config(), 1);
      const base = model.forward(IDS);
      const lora = attachLora(model, { rank: 4, alpha: 8 });
      assert.equal(lora.adapters.size, 2 * 7, 'all seven linear layers of both blocks by default');
      const adapted = model.forward(IDS);
      assertClose(adapted, base, { atol: 0, rtol: 0 });
      tf.dispose([base, adapted]);
      model.dispose();
    });

    it('trains only the adapters, and merging equals the unmerged forward', () => {
      const model = LlamaModel.init(config(), 2);
      attachLora(model, { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'down_proj'] });
      perturbB(model, 10);
      const vars = model.trainableVariables();
      assert.equal(vars.length, 2 * 3 * 2);
      assert.ok(
        [...model.params.values()].every((p) => !p.trainable),
        'base weights frozen',
      );
      const before = model.params.get('model.layers.0.self_attn.q_proj.weight')!.dataSync().slice();
      const opt = tf.train.sgd(0.1);
      opt.minimize(() => tf.mean(tf.square(model.forward(IDS, { training: true }))) as tf.Scalar, false, vars);
      assertClose(model.params.get('model.layers.0.self_attn.q_proj.weight')!.dataSync(), before, { atol: 0, rtol: 0 });
      const unmerged = model.forward(IDS);
      mergeLora(model);
      assert.equal(model.lora, null);
      const merged = model.forward(IDS);
      assertClose(merged, unmerged, { atol: 1e-5, rtol: 1e-4 });
      assert.ok(
        [...model.params.values()].every((p) => p.trainable),
        'base weights train again after merging',
      );
      tf.dispose([unmerged, merged]);
      opt.dispose();
      model.dispose();
    });

    it('saves and loads adapters on their own (PEFT layout) with identical outputs', () => {
      const model = LlamaModel.init(config(), 3);
      attachLora(model, { rank: 2, alpha: 4 });
      perturbB(model, 20);
      const adapted = model.forward(IDS);
      const dir = join(mkdtempSync(join(tmpdir(), 'tract-lora-')), 'adapter');
      saveLora(model.lora!, dir);
      detachLora(model)!.dispose();
      const fresh = loadLora(model, dir);
      assert.equal(fresh.config.rank, 2);
      const reloaded = model.forward(IDS);
      assertClose(reloaded, adapted, { atol: 1e-6, rtol: 1e-6 });
      tf.dispose([adapted, reloaded]);
      model.dispose();
    });

    it('applies dropout to the adapter path only in training, and leaks no tensors', () => {
      const model = LlamaModel.init(config(), 4);
      attachLora(model, { rank: 2, alpha: 4, dropout: 0.5 });
      perturbB(model, 30);
      const a = model.forward(IDS, { training: true });
      const b = model.forward(IDS, { training: true });
      const e1 = model.forward(IDS);
      const e2 = model.forward(IDS);
      assertClose(e1, e2, { atol: 0, rtol: 0 });
      assert.throws(() => assertClose(a, b, { atol: 1e-6 }), /not close/, 'two dropout masks differ');
      assert.equal(
        tensorsAfter(() => model.forward(IDS, { training: true }).dispose()),
        0,
      );
      tf.dispose([a, b, e1, e2]);
      model.dispose();
    });

    it('rejects bad settings', () => {
      const model = LlamaModel.init(config(), 5);
      assert.throws(() => attachLora(model, { rank: 0 }), /rank must be a positive integer/);
      assert.throws(() => attachLora(model, { targets: ['qkv' as 'q_proj'] }), /unknown target 'qkv'/);
      attachLora(model);
      assert.throws(() => attachLora(model), /already has adapters/);
      assert.throws(() => loadLora(model, '/nonexistent'), /already has adapters|missing/);
      model.dispose();
    });
  });
}
