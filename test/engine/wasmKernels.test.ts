import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { fastWasmMatMulInstalled, installFastWasmMatMul, uninstallFastWasmMatMul } from '../../src/engine/wasmKernels';
import { useBackend } from '../helpers/backends';

/** matMul on the cpu backend (the reference) for the same values. */
async function onCpu(
  a: number[],
  aShape: number[],
  b: number[],
  bShape: number[],
  ta: boolean,
  tb: boolean,
): Promise<number[]> {
  await useBackend('cpu');
  const r = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb));
  const out = Array.from(r.dataSync());
  r.dispose();
  await useBackend('wasm');
  return out;
}

describe('engine/wasmKernels: fast BatchMatMul', () => {
  before(() => useBackend('wasm'));
  after(() => useBackend('wasm'));

  it('is installed by initBackend on wasm', () => {
    assert.ok(fastWasmMatMulInstalled());
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['2-D plain', [5, 7], [7, 3], false, false],
    ['2-D transposeA', [7, 5], [7, 3], true, false],
    ['2-D transposeB', [5, 7], [3, 7], false, true],
    ['2-D both transposed', [7, 5], [3, 7], true, true],
    ['batched', [4, 5, 7], [4, 7, 3], false, false],
    ['batched transposeB (attention scores)', [2, 3, 6, 4], [2, 3, 5, 4], false, true],
    ['batched transposeA (attention backward)', [2, 3, 6, 4], [2, 3, 6, 5], true, false],
    ['batch against a shared matrix', [4, 5, 7], [7, 3], false, false],
    ['batch against a shared transposed matrix', [4, 5, 7], [3, 7], false, true],
    ['shared left operand', [5, 7], [4, 7, 3], false, false],
    ['one row (generation)', [1, 7], [7, 9], false, false],
  ];
  for (const [name, aShape, bShape, ta, tb] of cases) {
    it(`${name}: equals the cpu backend`, async () => {
      const a = Array.from({ length: aShape.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);
      const b = Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, (_, i) => Math.cos(i * 0.7) - 0.05 * i);
      const expected = await onCpu(a, aShape, b, bShape, ta, tb);
      const before = tf.memory().numTensors;
      const r = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
      assertClose(r.dataSync(), expected, { atol: 1e-4, rtol: 1e-5 });
      r.dispose();
      assert.equal(tf.memory().numTensors, before + 2, 'only the two inputs remain');
    });
  }

  it('gives the same values as the stock kernel, and can be switched off', async () => {
    const a = tf.randomNormal([3, 4, 8, 6], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 2);
    const fast = tf.matMul(a, b, false, true);
    uninstallFastWasmMatMul();
    assert.ok(!fastWasmMatMulInstalled());
    const slow = tf.matMul(a, b, false, true);
    installFastWasmMatMul();
    assertClose(fast, slow, { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([a, b, fast, slow]);
  });
});
