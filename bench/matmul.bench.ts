/**
 * The wasm BatchMatMul kernel, stock against engine/wasmKernels, on the shapes that matter
 * (a linear layer and its two backward products, batched attention and its backward, a tied output head).
 * The last two columns turn off the own GEMM (kernels/gemm.ts: products of at least 2²⁴ multiply-adds, which then go
 * to XNNPACK, through transposed copies where an operand is transposed) and the transposed-product kernel
 * (kernels/transposedProduct.ts: Aᵀ·B with a narrow B, attention's backward at N = 4, 16). The last rows are the 7M
 * model's linear layers and tied head at batch 8 × 256 (M = 2048 tokens). The single-threaded wasm build runs here
 * (one thread, as `TRACT_THREADS=1`).
 *
 *   npx tsx bench/matmul.bench.ts
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  installFastWasmMatMul,
  uninstallFastWasmMatMul,
  useOwnGemm,
  useTransposedProduct,
} from '../src/engine/wasmKernels';

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
  // the 7M model: x·W, dy·Wᵀ and xᵀ·dy of its linear layers (256 → 688, 688 → 256) and its tied head
  for (const [i, o] of [
    [256, 688],
    [688, 256],
    [256, 4096],
  ] as const) {
    const xs = tf.randomNormal([2048, i]);
    const w = tf.randomNormal([i, o]);
    const dy = tf.randomNormal([2048, o]);
    const fl = 2 * 2048 * i * o;
    cases.push(
      [`7M x·W (2048×${i}·${i}×${o})`, () => tf.matMul(xs, w), fl],
      [`7M dy·Wᵀ (2048×${o}·(${i}×${o})ᵀ)`, () => tf.matMul(dy, w, false, true), fl],
      [`7M xᵀ·dy ((2048×${i})ᵀ·2048×${o})`, () => tf.matMul(xs, dy, true, false), fl],
    );
  }
  console.log(
    '| product | stock GFLOP/s | engine/wasmKernels GFLOP/s | without the own GEMM | ' +
      'without the transposed product |\n' +
      '|---|---|---|---|---|',
  );
  for (const [name, f, fl] of cases) {
    uninstallFastWasmMatMul();
    const stock = gflops(f, fl);
    installFastWasmMatMul();
    const fast = gflops(f, fl);
    useOwnGemm(false);
    const xnnpack = gflops(f, fl);
    useOwnGemm(true);
    useTransposedProduct(false);
    const copied = gflops(f, fl);
    useTransposedProduct(true);
    const cells = [stock, fast, xnnpack, copied].map((g) => g.toFixed(2));
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
})();
