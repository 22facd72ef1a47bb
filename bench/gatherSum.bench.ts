/**
 * GatherV2 and Sum over leading axes, the own kernels (kernels/gatherSum.ts) against tfjs-backend-wasm's stock ones,
 * on the 7M model's shapes at batch 8 × 256: its embedding lookup, a rotary table's rows, and the column sums of
 * RMSNorm's weight gradients. Milliseconds, best of 30 calls each, the two settings one after the other in one process.
 * Threads as `TRACT_THREADS` says (default: all cores).
 *
 *   npm run bench:gather-sum
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend';
import { installWasmKernels } from '../src/engine/wasmKernels';

(async () => {
  const report = await initBackend({ prefer: 'wasm' });
  const table = tf.randomNormal([4096, 256]);
  const ids = tf.tensor1d(
    Array.from({ length: 2048 }, (_, i) => (i * 37) % 4096),
    'int32',
  );
  const cos = tf.randomNormal([512, 64]);
  const positions = tf.tensor1d(
    Array.from({ length: 2048 }, (_, i) => i % 256),
    'int32',
  );
  const narrow = tf.randomNormal([2048, 256]);
  const wide = tf.randomNormal([2048, 688]);
  const cases: [string, () => tf.Tensor][] = [
    ['gather: embedding [4096, 256] by 2,048 ids', () => tf.gather(table, ids)],
    ['gather: rotary table [512, 64] by 2,048 positions', () => tf.gather(cos, positions)],
    ['sum over rows: [2048, 256] → [256]', () => tf.sum(narrow, 0)],
    ['sum over rows: [2048, 688] → [688]', () => tf.sum(wide, 0)],
  ];
  console.log(`${report.wasm?.build ?? 'wasm'}, ${report.wasm?.threads ?? 1} thread(s); ms, best of 30`);
  console.log('| operation | own kernel | stock |\n|---|---|---|');
  for (const [name, f] of cases) {
    const best: number[] = [];
    for (const off of [[], ['gather', 'sum']] as const) {
      installWasmKernels(new Set(off));
      let b = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        f().dispose();
        b = Math.min(b, performance.now() - t0);
      }
      best.push(b);
    }
    installWasmKernels();
    console.log(`| ${name} | ${best[0]!.toFixed(3)} | ${best[1]!.toFixed(3)} |`);
  }
})();
