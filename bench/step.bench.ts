/**
 * What each own wasm kernel buys in a whole training step: stories260K (batch 16 × 256) or the 7M model of
 * `bench:model` (batch 8 × 256), forward, CE loss, backward and Adam, with all own kernels on and with each one off,
 * interleaved (one measurement of every setting, then the next round), medians of tokens per second.
 *
 *   npx tsx bench/step.bench.ts [--model stories260K|7M] [--rounds N] [--off name,name,...]
 *
 * `--off` lists the settings to compare (names of `TRACT_WASM_OFF`; default: the kernels of the latest session).
 * Threads as `TRACT_THREADS` says (default: all cores).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/engine/backend';
import { installWasmKernels, WASM_KERNELS, type WasmKernelName } from '../src/engine/wasmKernels';
import { tokenCrossEntropy } from '../src/losses/crossEntropy';
import { loadModel } from '../src/model/checkpoint';
import { makeConfig } from '../src/model/config';
import { LlamaModel } from '../src/model/llama';
import { median, option } from './cli';

(async () => {
  const report = await initBackend({ prefer: 'wasm' });
  const which = option('--model', 'stories260K');
  const rounds = Number(option('--rounds', '5'));
  const names = option('--off', 'transpose,exp,causal,helper').split(',') as WasmKernelName[];
  for (const n of names) if (!(n in WASM_KERNELS)) throw new Error(`--off: unknown kernel '${n}'`);
  const model =
    which === '7M'
      ? LlamaModel.init(makeConfig({ dim: 256, nLayers: 6, nHeads: 4, vocabSize: 4096, hiddenDim: 688 }), 0)
      : loadModel(join(__dirname, '..', 'models', 'stories260K')).model;
  const [b, t] = which === '7M' ? [8, 256] : [16, 256];
  const v = model.config.vocabSize;
  const ids = Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => (i * 31 + j * 7) % v));
  const targets = ids.map((r) => [...r.slice(1), 0]);
  const mask = ids.map((r) => r.map((_, j) => (j < t - 1 ? 1 : 0)));
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableVariables();
  const step = async () => {
    const loss = () => tokenCrossEntropy(model.forward(ids, { training: true }), targets, mask);
    const cost = opt.minimize(loss, true, vars);
    await cost?.data();
    cost?.dispose();
  };
  /** Median milliseconds of three steps after one untimed step (the setting's first call). */
  const measure = async () => {
    await step();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
    return median(times);
  };
  const settings: [string, WasmKernelName[]][] = [
    ['all own kernels', []],
    ...names.map((n) => [`${n} off`, [n]] as [string, WasmKernelName[]]),
  ];
  const ms = settings.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, off]] of settings.entries()) {
      installWasmKernels(new Set(off));
      ms[i].push(await measure());
    }
  }
  installWasmKernels();
  console.log(`${describeBackend(report)}`);
  console.log(`training step, ${which}, batch ${b} × ${t}; ${rounds} interleaved rounds, tokens/s (median of rounds)`);
  console.log('| setting | tokens/s | min-max | all on vs this |\n|---|---|---|---|');
  const tok = (x: number) => (b * t * 1000) / x;
  const all = median(ms[0]);
  for (const [i, [name]] of settings.entries()) {
    const m = median(ms[i]);
    const range = `${tok(Math.max(...ms[i])).toFixed(0)}-${tok(Math.min(...ms[i])).toFixed(0)}`;
    console.log(`| ${name} | ${tok(m).toFixed(0)} | ${range} | ${(m / all).toFixed(2)}× |`);
  }
  process.exit(0);
})();
