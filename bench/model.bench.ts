/**
 * Model speed on this machine: a training step (forward, CE loss, backward, Adam update) and
 * KV-cache generation, for (a) stories260K at batch 16 × 256 and (b) a 7M-parameter Llama
 * (dim 256, 6 layers, 4 heads, vocab 4096) at batch 8 × 256; generation at batch 1 and 16.
 * The PyTorch reference (bench/reference/llama_bench.py, Debian python3-torch) runs the same
 * configs in the same invocation, with 1 and 2 threads; the faster is the reference.
 *
 *   npm run bench:model                 # everything (about 3-4 minutes)
 *   npx tsx bench/model.bench.ts --quick  # fewer steps
 *   npx tsx bench/model.bench.ts --profile  # also a per-kernel profile of one training step
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/engine/backend';
import { loadModel } from '../src/model/checkpoint';
import { makeConfig, type LlamaConfig } from '../src/model/config';
import { LlamaModel } from '../src/model/llama';
import { tokenCrossEntropy } from '../src/losses/crossEntropy';
import { Rng } from '../src/engine/rng';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const ROOT = join(__dirname, '..');

interface Row {
  what: string;
  ours: number;
  torch1: number | null;
  torch2: number | null;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function randomIds(b: number, t: number, vocab: number, rng: Rng): number[][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => rng.int(vocab)));
}

/** Training tokens per second: median over steps after 2 warm-up steps. */
async function trainSpeed(model: LlamaModel, b: number, t: number, steps: number): Promise<number> {
  const rng = new Rng('bench/train');
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableVariables();
  const ids = randomIds(b, t, model.config.vocabSize, rng);
  const targets = ids.map((r) => [...r.slice(1), 0]);
  const mask = ids.map((r) => r.map((_, j) => (j < t - 1 ? 1 : 0)));
  const times: number[] = [];
  for (let s = 0; s < steps + 2; s++) {
    const t0 = performance.now();
    const cost = opt.minimize(
      () => tokenCrossEntropy(model.forward(ids, { training: true }), targets, mask),
      true,
      vars,
    )!;
    await cost.data();
    cost.dispose();
    if (s >= 2) times.push(performance.now() - t0);
  }
  opt.dispose();
  return (b * t) / (median(times) / 1000);
}

/** Generated tokens per second with the KV cache (prompt 16 tokens, greedy). */
function generateSpeed(model: LlamaModel, b: number, newTokens: number): number {
  const rng = new Rng('bench/gen');
  const prompt = randomIds(b, 16, model.config.vocabSize, rng);
  const run = () => {
    let step = model.forwardWithCache(prompt, null);
    let cache = step.cache;
    step.logits.dispose();
    const t0 = performance.now();
    for (let s = 0; s < newTokens; s++) {
      const next = prompt.map(() => [rng.int(model.config.vocabSize)]);
      step = model.forwardWithCache(next, cache);
      const logits = step.logits;
      logits.dataSync(); // sampling reads the logits every step (next tokens are random, as in the reference)
      logits.dispose();
      tf.dispose([...cache.k, ...cache.v]);
      cache = step.cache;
    }
    const ms = performance.now() - t0;
    tf.dispose([...cache.k, ...cache.v]);
    return ms;
  };
  run(); // warm-up
  return (b * newTokens) / (run() / 1000);
}

function torchReference(config: string, threads: number): Record<string, number> | null {
  const r = spawnSync(
    '/usr/bin/python3',
    [join(ROOT, 'bench', 'reference', 'llama_bench.py'), config, String(threads), quick ? 'quick' : 'full'],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    },
  );
  if (r.status !== 0) {
    const why = (r.stderr || String(r.error)).trim().split('\n').pop();
    console.log(`PyTorch reference (${config}, ${threads} thread(s)) skipped: ${why}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main() {
  const report = await initBackend();
  console.log(`${describeBackend(report)}; node ${process.version}; ${quick ? 'quick' : 'full'} run`);
  const steps = quick ? 3 : 8;
  const stories = loadModel(join(ROOT, 'models', 'stories260K')).model;
  const mid: LlamaConfig = makeConfig({
    dim: 256,
    nLayers: 6,
    nHeads: 4,
    vocabSize: 4096,
    hiddenDim: 688,
    maxSeqLen: 512,
  });
  const mid7 = LlamaModel.init(mid, 0);

  const ours = {
    'train stories260K B16×256': await trainSpeed(stories, 16, 256, steps),
    'train 7M B8×256': await trainSpeed(mid7, 8, 256, Math.max(2, steps - 4)),
    'generate stories260K B1': generateSpeed(stories, 1, quick ? 32 : 64),
    'generate stories260K B16': generateSpeed(stories, 16, quick ? 32 : 64),
    'generate 7M B1': generateSpeed(mid7, 1, quick ? 16 : 32),
    'generate 7M B16': generateSpeed(mid7, 16, quick ? 16 : 32),
  };
  if (profile) {
    const ids = randomIds(16, 256, 512, new Rng(1));
    const targets = ids.map((r) => [...r.slice(1), 0]);
    const mask = ids.map((r) => r.map((_, j) => (j < 255 ? 1 : 0)));
    const opt = tf.train.adam(1e-3);
    const info = await tf.profile(() => {
      opt.minimize(
        () => tokenCrossEntropy(stories.forward(ids, { training: true }), targets, mask),
        false,
        stories.trainableVariables(),
      );
    });
    const byKernel = new Map<string, number>();
    let total = 0;
    for (const k of info.kernels) {
      const ms = Number(k.kernelTimeMs) || 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
      total += ms;
    }
    console.log(
      `\nper-kernel profile, one stories260K training step (B16×256), ${info.kernels.length} kernel calls, ` +
        `${total.toFixed(0)} ms in kernels:`,
    );
    console.log('| kernel | ms | share |\n|---|---|---|');
    for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      console.log(`| ${name} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% |`);
    }
    opt.dispose();
  }
  stories.dispose();
  mid7.dispose();

  const t1s = torchReference('stories260K', 1);
  const t1m = torchReference('7M', 1);
  const t2s = torchReference('stories260K', 2);
  const t2m = torchReference('7M', 2);
  const ref = (key: string, a: Record<string, number> | null, b: Record<string, number> | null) =>
    [a?.[key] ?? null, b?.[key] ?? null] as const;
  const torchKey: Record<string, [string, 's' | 'm']> = {
    'train stories260K B16×256': ['train', 's'],
    'train 7M B8×256': ['train', 'm'],
    'generate stories260K B1': ['gen1', 's'],
    'generate stories260K B16': ['gen16', 's'],
    'generate 7M B1': ['gen1', 'm'],
    'generate 7M B16': ['gen16', 'm'],
  };
  for (const [what, v] of Object.entries(ours)) {
    const [key, which] = torchKey[what];
    const [a, b] = which === 's' ? ref(key, t1s, t2s) : ref(key, t1m, t2m);
    rows.push({ what, ours: v, torch1: a, torch2: b });
  }
  console.log('\ntokens per second (higher is better); ratio = ours / best PyTorch');
  console.log('| workload | ours (TF.js) | PyTorch 1 thread | PyTorch 2 threads | ratio |\n|---|---|---|---|---|');
  for (const r of rows) {
    const best = Math.max(r.torch1 ?? 0, r.torch2 ?? 0);
    const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));
    const ratio = best ? (r.ours / best).toFixed(2) : 'n/a';
    console.log(`| ${r.what} | ${r.ours.toFixed(0)} | ${f(r.torch1)} | ${f(r.torch2)} | ${ratio} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
