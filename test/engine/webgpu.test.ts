/**
 * The `webgpu` backend against `wasm`, on whatever adapter Dawn finds (here: SwiftShader, a software Vulkan
 * driver at about 0.5 GFLOP/s, so the models are tiny except for the stories260K logits check).
 * Skipped, with the reason printed, when no WebGPU adapter can be created on this machine.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendReport } from '../../src/engine/backend';
import { releaseWebGpu } from '../../src/engine/webgpu';
import { checkWebGpuFit } from '../../src/engine/webgpuMemory';
import { generate } from '../../src/decoding/generate';
import { judgeObjective, OBJECTIVES } from '../../src/losses/objective';
import { loadModel } from '../../src/model/checkpoint';
import { LlamaModel } from '../../src/model/llama';
import { collate } from '../../src/training/batches';
import { train } from '../../src/training/trainer';
import { useBackend } from '../helpers/backends';
import { SCORE_IDS, tinyConfig, toyExamples } from '../helpers/toyJudge';

const STORIES = join(__dirname, '..', '..', 'models', 'stories260K');
/** Activates the webgpu backend by name (a software adapter is accepted when named). */
async function useWebGpu(): Promise<BackendReport> {
  const report = await initBackend({ prefer: 'webgpu', env: {} });
  assert.equal(tf.getBackend(), 'webgpu');
  return report;
}

/** Runs `fn` on wasm, then on webgpu; returns both results (plain JS values). */
async function onBoth<T>(fn: () => T | Promise<T>): Promise<{ wasm: T; gpu: T }> {
  await useBackend('wasm');
  const wasm = await fn();
  await useWebGpu();
  const gpu = await fn();
  return { wasm, gpu };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a − b| / max |b|: the relative error of a whole tensor. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-12);
}

describe('engine/webgpu (against wasm)', function () {
  this.timeout(120_000);
  let report: BackendReport | null = null;

  before(async function () {
    try {
      report = await useWebGpu();
      console.log(`      [webgpu] ${report.adapter ? JSON.stringify(report.adapter) : 'no adapter report'}`);
    } catch (err) {
      console.log(`      [webgpu] SKIPPED: no WebGPU adapter could be created here: ${(err as Error).message}`);
      this.skip();
    }
  });

  after(async () => {
    await useBackend('wasm');
    releaseWebGpu(); // destroys the device: Dawn stops polling and the process can exit
  });

  it('reports the adapter: vendor, architecture, hardware or software, limits', () => {
    const a = report?.adapter;
    assert.ok(a, 'the backend report names the adapter');
    assert.ok(a.vendor && a.architecture);
    assert.ok(a.kind === 'hardware' || a.kind === 'software');
    assert.ok(a.limits.maxBufferSize > 0 && a.limits.maxStorageBufferBindingSize > 0);
  });

  it('tract info names the adapter (with its limits), even when the default order skips it', () => {
    const out = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'tract.js'), 'info', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, TRACT_BACKEND: '' },
      timeout: 60_000,
    });
    assert.equal(out.status, 0, out.stderr);
    const info = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
    assert.deepEqual(info.webgpu.adapter.limits, report?.adapter?.limits);
    assert.equal(info.webgpu.adapter.kind, report?.adapter?.kind);
  });

  it('tf.addN of more inputs than a shader can bind (the gradient-norm clip) matches wasm', async () => {
    const { wasm, gpu } = await onBoth(() =>
      tf.tidy(() => {
        const terms = Array.from({ length: 22 }, (_, i) => tf.fill([3], i + 1));
        return tf.addN(terms).dataSync().slice();
      }),
    );
    assert.deepEqual(Array.from(gpu), Array.from(wasm));
    assert.deepEqual(Array.from(gpu), [253, 253, 253]);
  });

  it('stories260K logits match wasm (max abs diff <= 1e-4)', async () => {
    const tokens = [1, 403, 407, 261, 378, 366, 260, 403];
    const { wasm, gpu } = await onBoth(() => {
      const { model } = loadModel(STORIES);
      const logits = model.forward([tokens]); // [1, T, V]
      const values = logits.dataSync().slice();
      logits.dispose();
      model.dispose();
      return values;
    });
    assert.equal(gpu.length, tokens.length * 512);
    const diff = maxAbsDiff(gpu, wasm);
    console.log(`      [webgpu] stories260K logits [1, ${tokens.length}, 512]: max abs diff ${diff.toExponential(2)}`);
    assert.ok(diff <= 1e-4, `max abs diff ${diff}`);
  });

  it('each objective and its gradient match wasm (relative diff <= 1e-4)', async () => {
    const batch = collate(toyExamples(4, 5), 0);
    for (const [name, spec] of Object.entries(OBJECTIVES)) {
      const { wasm, gpu } = await onBoth(() => {
        const model = LlamaModel.init(tinyConfig(), 3);
        const vars = model.trainableVariables();
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.forward(batch.ids, { attentionMask: batch.attention }); // [B, T, V]
          const parts = judgeObjective(logits, batch, SCORE_IDS, spec, 0);
          tf.dispose([parts.ce, parts.score]);
          return parts.total;
        }, vars);
        const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync().slice()) };
        tf.dispose([value, ...Object.values(grads)]);
        model.dispose();
        return out;
      });
      const lossRel = Math.abs(gpu.loss - wasm.loss) / Math.abs(wasm.loss);
      const gradRel = Math.max(...gpu.grads.map((g, i) => relDiff(g, wasm.grads[i])));
      console.log(
        `      [webgpu] ${name}: loss rel diff ${lossRel.toExponential(2)}, grad ${gradRel.toExponential(2)}`,
      );
      assert.ok(lossRel <= 1e-4, `${name} loss ${gpu.loss} vs ${wasm.loss}`);
      assert.ok(gradRel <= 1e-4, `${name} gradient rel diff ${gradRel}`);
    }
  });

  it('a 3-step training run gives the losses of wasm (<= 1e-3)', async () => {
    const examples = toyExamples(12, 2);
    const { wasm, gpu } = await onBoth(async () => {
      const model = LlamaModel.init(tinyConfig(), 2);
      const res = await train({
        model,
        examples,
        pad: 0,
        scoreTokenIds: SCORE_IDS,
        objective: OBJECTIVES.cotRaft,
        config: { steps: 3, batchSize: 4, lr: 3e-3, seed: 1 },
        log: () => undefined,
      });
      model.dispose();
      return res.rows.map((r) => r.loss);
    });
    console.log(
      `      [webgpu] 3-step losses wasm ${wasm.map((l) => l.toFixed(6))}, webgpu ${gpu.map((l) => l.toFixed(6))}`,
    );
    assert.equal(gpu.length, 3);
    assert.ok(maxAbsDiff(gpu, wasm) <= 1e-3, `${gpu} vs ${wasm}`);
  });

  it('greedy generation from stories260K gives the tokens of wasm', async () => {
    const { wasm, gpu } = await onBoth(async () => {
      const { model, tokenizer } = loadModel(STORIES);
      const [out] = await generate(model, tokenizer, ['Once upon a time'], { maxNewTokens: 8, temperature: 0 });
      model.dispose();
      return out.tokenIds;
    });
    assert.deepEqual(gpu, wasm);
    assert.equal(gpu.length, 8);
  });

  it('leaks no tensor over 20 training steps', async () => {
    await useWebGpu();
    const model = LlamaModel.init(tinyConfig(), 4);
    const before = tf.memory().numTensors;
    await train({
      model,
      examples: toyExamples(8, 4),
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: { steps: 20, batchSize: 2, lr: 1e-3, seed: 2 },
      log: () => undefined,
    });
    assert.equal(tf.memory().numTensors, before, 'tensors left over after 20 steps');
    model.dispose();
  });
});

describe('engine/webgpuMemory', () => {
  it('refuses a batch whose activations exceed the adapter limits, before training', () => {
    const limits = { maxBufferSize: 2 ** 20, maxStorageBufferBindingSize: 2 ** 20 };
    const shape = { vocabSize: 512, dim: 64, hiddenDim: 172, nHeads: 8 };
    assert.doesNotThrow(() => checkWebGpuFit({ ...shape, batchSize: 2, seqLen: 64 }, limits));
    assert.throws(
      () => checkWebGpuFit({ ...shape, batchSize: 64, seqLen: 64 }, limits),
      /batchSize 64 × seqLen 64 needs a 8 MiB logits buffer.*batchSize 8 with gradAccum 8/,
    );
  });
});
