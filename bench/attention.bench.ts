/**
 * One layer of attention, forward and backward, at the stories260K training shape (batch 16 × 256 tokens, 4 KV
 * heads × 2 query heads, head dim 8), with the own wasm kernels (engine/wasmKernels) on, each one off, and all off,
 * interleaved (one repetition of every setting, then the next), medians in ms.
 *
 *   npx tsx bench/attention.bench.ts [--reps N]
 *
 * "all off" is the stock TF.js wasm kernels but for BatchMatMul, which stays the engine's own (the stock one is
 * 5-40× slower on these shapes: `npm run bench:matmul`).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend';
import { installWasmKernels, type WasmKernelName } from '../src/engine/wasmKernels';
import { attentionBias, causalAttention, causalAttentionBias, keyPaddingBias } from '../src/model/attention';
import { median } from './cli';

const SETTINGS: [string, WasmKernelName[]][] = [
  ['all own kernels', []],
  ['causal probabilities off', ['causal']],
  ['own transpose off', ['transpose']],
  ['transposed product off', ['transposed']],
  ['softmax gradient off', ['softmax']],
  ['sharing Identity off', ['identity']],
  ['all five off', ['causal', 'transpose', 'transposed', 'softmax', 'identity']],
];

(async () => {
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 7;
  const report = await initBackend({ prefer: 'wasm', env: { ...process.env, TRACT_THREADS: '1' } });
  const [b, kvh, g, t, hd] = [16, 4, 2, 256, 8];
  const q = tf.randomNormal([b, kvh, g * t, hd], 0, 1, 'float32', 1) as tf.Tensor4D; // [B, KV, G·T, hd]
  const k = tf.randomNormal([b, kvh, t, hd], 0, 1, 'float32', 2) as tf.Tensor4D; // [B, KV, T, hd]
  const v = tf.randomNormal([b, kvh, t, hd], 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomNormal([b, kvh, g * t, hd], 0, 1, 'float32', 4); // weights of the scalar loss
  // padded keys: row i has its last 4·i positions padded
  const mask = Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => (j < t - 4 * i ? 1 : 0)));
  const keyBias = keyPaddingBias(b, t, 0, mask, null); // [B, 1, 1, T]
  const bias = attentionBias(causalAttentionBias(g, t, 0), keyBias); // [B, 1, G·T, T]
  const layout = { t, past: 0, keyBias }; // what the model passes (the causal kernel reads it; off, the bias is used)
  const loss = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
    tf.sum(tf.mul(causalAttention(qq as tf.Tensor4D, kk as tf.Tensor4D, vv as tf.Tensor4D, bias, layout), w));
  const grads = tf.grads(loss);
  const step = () => {
    const t0 = performance.now();
    tf.dispose(tf.tidy(() => grads([q, k, v])));
    return performance.now() - t0;
  };
  const times = SETTINGS.map(() => [] as number[]);
  for (let r = -1; r < reps; r++) {
    SETTINGS.forEach(([, off], i) => {
      installWasmKernels(new Set(off));
      const ms = step();
      if (r >= 0) times[i].push(ms); // repetition -1 warms every setting up
    });
  }
  installWasmKernels();
  console.log(`backend ${report.chosen}, 1 thread; ${reps} interleaved repetitions; forward + backward of one layer`);
  console.log('| setting | ms (median) | min-max |\n|---|---|---|');
  SETTINGS.forEach(([name], i) => {
    const xs = times[i];
    console.log(`| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)} |`);
  });
  process.exit(0);
})();
