/**
 * The wasm BatchMatMul kernel, stock against engine/wasmKernels, on the shapes that matter
 * (a linear layer and its two backward products, batched attention and its backward, a tied output head).
 * The last column turns off the transposed-product kernel (kernels/transposedProduct.ts), which the
 * Aᵀ·B rows with a narrow B use (attention's backward, N = 4, N = 16); elsewhere it changes nothing.
 *
 *   npx tsx bench/matmul.bench.ts
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastWasmMatMul, uninstallFastWasmMatMul, useTransposedProduct } from '../src/engine/wasmKernels';

function gflops(f: () => tf.Tensor, flops: number): number {
  for (let i = 0; i < 2; i++) f().dispose();
  const t0 = performance.now();
  const n = 5;
  for (let i = 0; i < n; i++) {
    const r = f();
    r.dataSync();
    r.dispose();
  }
  return flops / ((performance.now() - t0) / n) / 1e6;
}

(async () => {
  await tf.setBackend('wasm');
  const [M, K, N] = [2048, 256, 256];
  const a = tf.randomNormal([M, K]);
  const b = tf.randomNormal([K, N]);
  const at = tf.randomNormal([K, M]);
  const bt = tf.randomNormal([N, K]);
  const q = tf.randomNormal([64, 512, 8]);
  const k = tf.randomNormal([64, 256, 8]);
  const x = tf.randomNormal([64, 512]);
  const e = tf.randomNormal([4096, 512]);
  const probs = tf.randomUniform([64, 512, 256]);
  const dctx = tf.randomNormal([64, 512, 8]);
  const narrow4 = tf.randomNormal([64, 512, 4]);
  const narrow16 = tf.randomNormal([64, 512, 16]);
  const cases: [string, () => tf.Tensor, number][] = [
    ['x·W (2048×256·256×256)', () => tf.matMul(a, b), 2 * M * K * N],
    ['xᵀ·dy (transposeA)', () => tf.matMul(at, b, true, false), 2 * M * K * N],
    ['dy·Wᵀ (transposeB)', () => tf.matMul(a, bt, false, true), 2 * M * K * N],
    ['attention q·kᵀ, 64 × (512×8·8×256)', () => tf.matMul(q, k, false, true), 2 * 64 * 512 * 8 * 256],
    [
      'attention backward probsᵀ·dctx, 64 × (512×256ᵀ·512×8)',
      () => tf.matMul(probs, dctx, true, false),
      2 * 64 * 512 * 256 * 8,
    ],
    ['Aᵀ·B, N = 4: 64 × (512×256ᵀ·512×4)', () => tf.matMul(probs, narrow4, true, false), 2 * 64 * 512 * 256 * 4],
    ['Aᵀ·B, N = 16: 64 × (512×256ᵀ·512×16)', () => tf.matMul(probs, narrow16, true, false), 2 * 64 * 512 * 256 * 16],
    ['tied head x·Eᵀ (64×512·512×4096)', () => tf.matMul(x, e, false, true), 2 * 64 * 512 * 4096],
  ];
  console.log(
    '| product | stock GFLOP/s | engine/wasmKernels GFLOP/s | without the transposed product |\n|---|---|---|---|',
  );
  for (const [name, f, fl] of cases) {
    uninstallFastWasmMatMul();
    const stock = gflops(f, fl);
    installFastWasmMatMul();
    const fast = gflops(f, fl);
    useTransposedProduct(false);
    const copied = gflops(f, fl);
    useTransposedProduct(true);
    console.log(`| ${name} | ${stock.toFixed(2)} | ${fast.toFixed(2)} | ${copied.toFixed(2)} |`);
  }
})();
