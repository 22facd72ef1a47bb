import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/model/checkpoint';
import { attachLora, saveLora } from '../../src/model/lora';
import { BENCHMARK_EVAL_DEFAULTS, evaluateBenchmark } from '../../src/tract/benchmarkEval';

const MODEL = join(__dirname, '..', '..', 'models', 'stories260K');

describe('tract eval --adapter (a PEFT LoRA adapter merged into the base model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-adapter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('judges with the adapter merged: its path and digest join the run id, and the scores move', async function () {
    this.timeout(60000);
    await initBackend();
    const { model } = loadModel(MODEL);
    const lora = attachLora(model, { rank: 2, alpha: 4, targets: ['q_proj', 'down_proj'] }, 1);
    for (const [, [, b]] of lora.adapters) b.assign(tf.fill(b.shape, 0.05)); // a trained adapter has B != 0
    saveLora(lora, join(dir, 'adapter'));
    model.dispose();
    const opts = {
      ...BENCHMARK_EVAL_DEFAULTS,
      model: MODEL,
      benchmark: 'vicuna',
      limit: 2,
      maxNewTokens: 4,
      bootstrapSamples: 10,
      resultsDir: join(dir, 'results'),
      backend: null,
      log: () => {},
    };
    const base = await evaluateBenchmark(opts);
    const tuned = await evaluateBenchmark({ ...opts, adapter: join(dir, 'adapter') });
    assert.notEqual(tuned.runId, base.runId);
    const config = JSON.parse(readFileSync(join(tuned.dir, 'config.resolved.json'), 'utf8'));
    assert.ok(config.adapter.endsWith('adapter') && typeof config.adapterDigest === 'string');
    assert.ok(tuned.predictions.some((p, i) => Math.abs(p.rail - base.predictions[i].rail) > 1e-9));
  });
});
