import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../../src/engine/backend';

describe('engine/backend', () => {
  after(async () => {
    await initBackend({ prefer: 'cpu', env: {} });
  });

  it('picks the first loadable backend in the default order and says why the others were skipped', async () => {
    const report = await initBackend({ env: {} });
    // tfjs-node(-gpu) cannot be installed on this project's machines and they have no GPU (a software WebGPU
    // adapter is used only when named); wasm is the CPU default.
    assert.equal(report.chosen, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      report.skipped.map((s) => s.name),
      ['tensorflow-gpu', 'webgpu', 'tensorflow'],
    );
    assert.match(report.skipped[0].reason, /@tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(
      describeBackend(report),
      new RegExp(
        '^backend wasm \\(first loadable in the default order; (threaded-simd|simd) build, \\d+ thread\\(s\\): ' +
          '.*; skipped tensorflow-gpu:',
      ),
    );
    assert.equal(report.tfjsVersion, tf.version_core);
  });

  it('honours prefer and TRACT_BACKEND, with TRACT_BACKEND winning', async () => {
    let report = await initBackend({ prefer: ['cpu', 'wasm'], env: {} });
    assert.equal(report.chosen, 'cpu');
    report = await initBackend({ prefer: 'cpu', env: { TRACT_BACKEND: 'wasm' } });
    assert.equal(report.chosen, 'wasm');
    assert.equal(report.reason, 'TRACT_BACKEND=wasm');
  });

  it('fails loudly when the named backend cannot load or does not exist', async () => {
    await assert.rejects(
      initBackend({ env: { TRACT_BACKEND: 'tensorflow' } }),
      new RegExp(
        [
          /no backend could be initialised \(TRACT_BACKEND=tensorflow\): /,
          /tensorflow: @tensorflow\/tfjs-node is not installed/,
        ]
          .map((r) => r.source)
          .join(''),
      ),
    );
    await assert.rejects(initBackend({ env: { TRACT_BACKEND: 'webgl' } }), /TRACT_BACKEND: unknown backend 'webgl'/);
    await assert.rejects(initBackend({ prefer: [], env: {} }), /prefer is an empty list/);
  });
});
