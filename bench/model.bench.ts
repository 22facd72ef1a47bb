/**
 * Model speed on this machine against PyTorch, made to hold up on a shared, noisy machine: a training
 * step (forward, CE loss, backward, Adam update) and KV-cache generation, for (a) stories260K at batch
 * 16 × 256 and (b) a 7M-parameter Llama (dim 256, 6 layers, 4 heads, vocab 4096) at batch 8 × 256;
 * generation at batch 1 and 16.
 *
 * The PyTorch reference (bench/reference/llama_bench.py, Debian python3-torch) runs as two long-lived
 * processes (1 and 2 threads), and every repetition of a workload runs ours, then PyTorch with 1 thread,
 * then with 2 (ABAB...), so that each ratio compares measurements taken seconds apart. The ratio of a
 * repetition is ours / the faster PyTorch of that repetition; the table gives the median ratio and its
 * min-max over repetitions, and the reference's own spread. The reference's environment is pinned (thread
 * variables set to its thread count, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed so OpenBLAS picks the
 * kernel of the CPU it runs on) and printed.
 *
 *   npm run bench:model                     # 5 repetitions (about 5-6 minutes on a quiet machine)
 *   npm run bench:model -- --quick          # 3 shorter repetitions (under 3 minutes)
 *   npm run bench:model -- --json           # also one JSON object as the last line
 *   npm run bench:model -- --profile        # also per-kernel profiles of a training step and a decoded token
 *   npm run bench:model -- --only train-7M  # only the named workloads (comma-separated)
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/engine/backend';
import { loadModel } from '../src/model/checkpoint';
import { makeConfig } from '../src/model/config';
import { LlamaModel } from '../src/model/llama';
import { tokenCrossEntropy } from '../src/losses/crossEntropy';
import { Rng } from '../src/engine/rng';
import { AdamW } from '../src/training/optimizer';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile');
const json = argv.includes('--json');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1].split(',')) : null;
const ROOT = join(__dirname, '..');
const REPS = quick ? 3 : 5;

/** Environment variables that change what OpenBLAS does; removed for the reference and reported. */
const UNPINNED = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_VERBOSE', 'GOTO_NUM_THREADS'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function randomIds(b: number, t: number, vocab: number, rng: Rng): number[][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => rng.int(vocab)));
}

/**
 * A training workload: keeps its optimiser and batch across repetitions, warmed up by two steps on first use. The
 * update is the trainer's AdamW (training/optimizer; no weight decay, so Adam as in the reference), one kernel call
 * per variable on wasm.
 */
function trainer(model: LlamaModel, b: number, t: number): (steps: number) => Promise<number> {
  const rng = new Rng('bench/train');
  const vars = model.trainableVariables();
  const opt = new AdamW(vars);
  const ids = randomIds(b, t, model.config.vocabSize, rng);
  const targets = ids.map((r) => [...r.slice(1), 0]);
  const mask = ids.map((r) => r.map((_, j) => (j < t - 1 ? 1 : 0)));
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () => tokenCrossEntropy(model.forward(ids, { training: true }), targets, mask) as tf.Scalar,
      vars,
    );
    opt.apply(
      vars.map((v) => grads[v.name]),
      1e-3,
    );
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  let warm = false;
  return async (steps) => {
    if (!warm) {
      await step();
      await step();
      warm = true;
    }
    const times: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
    return (b * t) / (median(times) / 1000);
  };
}

/**
 * Tokens generated once per model and batch size before timing, on both sides (bench/reference/llama_bench.py has
 * the same). The JavaScript of a decoding step reaches steady speed only after some tens of tokens (JIT): three runs
 * of 200 stories260K tokens in one process gave 825, 1,497 and 1,865 tokens/s, so 4 warm-up tokens (before
 * 2026-12-06) timed a cold JIT in the quick run's 3 × 32 tokens.
 */
const GEN_WARMUP = 64;

/** Generated tokens per second with the KV cache (16-token prompt, random next tokens, logits read each step). */
function generator(model: LlamaModel, b: number): (n: number) => number {
  const rng = new Rng('bench/gen');
  const run = (n: number) => {
    const prompt = randomIds(b, 16, model.config.vocabSize, rng);
    let step = model.forwardWithCache(prompt, null);
    let cache = step.cache;
    step.logits.dispose();
    const t0 = performance.now();
    for (let s = 0; s < n; s++) {
      const next = prompt.map(() => [rng.int(model.config.vocabSize)]);
      step = model.forwardWithCache(next, cache);
      step.logits.dataSync(); // sampling reads the logits every step
      step.logits.dispose();
      tf.dispose([...cache.k, ...cache.v]);
      cache = step.cache;
    }
    const ms = performance.now() - t0;
    tf.dispose([...cache.k, ...cache.v]);
    return ms;
  };
  let warm = false;
  return (n) => {
    if (!warm) run(GEN_WARMUP);
    warm = true;
    return (b * n) / (run(n) / 1000);
  };
}

/** A long-lived PyTorch reference process with `threads` threads (see bench/reference/llama_bench.py). */
class Reference {
  private child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';
  private closed = false;

  constructor(readonly threads: number) {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of UNPINNED) delete env[k];
    for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] = String(threads);
    this.child = spawn('/usr/bin/python3', [join(ROOT, 'bench', 'reference', 'llama_bench.py'), String(threads)], {
      env,
    });
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.child.on('error', (err) => (this.stderr += String(err)));
    this.child.on('close', () => {
      this.closed = true;
      this.waiting?.(null);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else this.lines.push(line);
    });
  }

  /** Sends one command; its JSON answer, or null when the reference is unavailable. */
  async ask<T>(command: string): Promise<T | null> {
    if (this.closed) return null;
    this.child.stdin.write(`${command}\n`);
    const line = this.lines.shift() ?? (await new Promise<string | null>((r) => (this.waiting = r)));
    return line === null ? null : (JSON.parse(line) as T);
  }

  /** Why the reference stopped (its last stderr line), if it did. */
  failure(): string | null {
    return this.closed ? this.stderr.trim().split('\n').pop() || 'exited' : null;
  }

  close(): void {
    if (!this.closed) this.child.stdin.end('quit\n');
  }
}

interface Workload {
  name: string;
  ours: () => Promise<number>;
  /** The reference command of one repetition. */
  torch: string;
}

interface Measured {
  name: string;
  ours: number;
  torch1: number | null;
  torch2: number | null;
  ratio: number | null;
  ratioMin: number | null;
  ratioMax: number | null;
  reps: { ours: number; torch1: number | null; torch2: number | null; ratio: number | null }[];
}

/** Runs the repetitions of one workload, interleaved: ours, PyTorch 1 thread, PyTorch 2 threads, ours, ... */
async function measure(w: Workload, refs: Reference[]): Promise<Measured> {
  const reps: Measured['reps'] = [];
  for (let r = 0; r < REPS; r++) {
    const ours = await w.ours();
    // one at a time: the references must not share the cores with each other or with us
    const torch1 = (await refs[0].ask<{ tokPerSec: number }>(w.torch))?.tokPerSec ?? null;
    const torch2 = (await refs[1].ask<{ tokPerSec: number }>(w.torch))?.tokPerSec ?? null;
    const best = Math.max(torch1 ?? 0, torch2 ?? 0);
    reps.push({ ours, torch1, torch2, ratio: best > 0 ? ours / best : null });
    const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));
    console.log(`  ${w.name} rep ${r + 1}/${REPS}: ours ${f(ours)}, torch ${f(torch1)} / ${f(torch2)} tok/s`);
  }
  const pick = (f: (x: Measured['reps'][number]) => number | null) =>
    reps.map(f).filter((x): x is number => x !== null);
  const ratios = pick((x) => x.ratio);
  const t1 = pick((x) => x.torch1);
  const t2 = pick((x) => x.torch2);
  return {
    name: w.name,
    ours: median(reps.map((x) => x.ours)),
    torch1: t1.length ? median(t1) : null,
    torch2: t2.length ? median(t2) : null,
    ratio: ratios.length ? median(ratios) : null,
    ratioMin: ratios.length ? Math.min(...ratios) : null,
    ratioMax: ratios.length ? Math.max(...ratios) : null,
    reps,
  };
}

/** Per-kernel time of `f` (ms by kernel name), with the number of kernel calls. */
async function kernelTable(f: () => void, title: string): Promise<void> {
  const info = await tf.profile(f);
  const byKernel = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    total += ms;
  }
  console.log(`\n${title}: ${info.kernels.length} kernel calls, ${total.toFixed(1)} ms in kernels`);
  console.log('| kernel | ms | share |\n|---|---|---|');
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% |`);
  }
}

/** Per-kernel profiles of one stories260K training step (16 × 256) and one decoded token at batch 1. */
async function profiles(stories: LlamaModel): Promise<void> {
  const ids = randomIds(16, 256, 512, new Rng(1));
  const targets = ids.map((r) => [...r.slice(1), 0]);
  const mask = ids.map((r) => r.map((_, j) => (j < 255 ? 1 : 0)));
  const vars = stories.trainableVariables();
  const opt = new AdamW(vars);
  await kernelTable(() => {
    const loss = () => tokenCrossEntropy(stories.forward(ids, { training: true }), targets, mask) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, vars);
    opt.apply(
      vars.map((v) => grads[v.name]),
      1e-3,
    );
    tf.dispose([value, ...Object.values(grads)]);
  }, 'per-kernel profile, one stories260K training step (B16×256)');
  opt.dispose();
  const first = stories.forwardWithCache([[1, 2, 3, 4]], null);
  first.logits.dispose();
  await kernelTable(() => {
    const step = stories.forwardWithCache([[5]], first.cache);
    step.logits.dispose();
    tf.dispose([...step.cache.k, ...step.cache.v]);
  }, 'per-kernel profile, one decoded token, stories260K batch 1');
  tf.dispose([...first.cache.k, ...first.cache.v]);
}

async function main() {
  const report = await initBackend();
  const load0 = loadavg();
  console.log(`${describeBackend(report)}; node ${process.version}; ${quick ? 'quick' : 'full'} run, ${REPS} reps`);
  const removed = UNPINNED.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
  const refs = [new Reference(1), new Reference(2)];
  const refEnv = await Promise.all(refs.map((r) => r.ask<Record<string, unknown>>('env')));
  const stories = loadModel(join(ROOT, 'models', 'stories260K')).model;
  const mid = makeConfig({ dim: 256, nLayers: 6, nHeads: 4, vocabSize: 4096, hiddenDim: 688, maxSeqLen: 512 });
  const mid7 = LlamaModel.init(mid, 0);
  if (profile) await profiles(stories);

  const trainS = trainer(stories, 16, 256);
  const trainM = trainer(mid7, 8, 256);
  const [sSteps, mSteps] = quick ? [2, 1] : [3, 2];
  const [sTok, mTok] = quick ? [32, 16] : [64, 32];
  const gens = [stories, mid7].map((m) => [generator(m, 1), generator(m, 16)]);
  const workloads: Workload[] = [
    { name: 'train-stories260K', ours: () => trainS(sSteps), torch: `train stories260K ${sSteps}` },
    { name: 'train-7M', ours: () => trainM(mSteps), torch: `train 7M ${mSteps}` },
    { name: 'generate-stories260K-b1', ours: async () => gens[0][0](sTok), torch: `gen stories260K 1 ${sTok}` },
    { name: 'generate-stories260K-b16', ours: async () => gens[0][1](sTok), torch: `gen stories260K 16 ${sTok}` },
    { name: 'generate-7M-b1', ours: async () => gens[1][0](mTok), torch: `gen 7M 1 ${mTok}` },
    { name: 'generate-7M-b16', ours: async () => gens[1][1](mTok), torch: `gen 7M 16 ${mTok}` },
  ].filter((w) => only === null || only.has(w.name));
  const t0 = performance.now();
  const results: Measured[] = [];
  for (const w of workloads) results.push(await measure(w, refs));
  for (const r of refs) r.close();
  stories.dispose();
  mid7.dispose();
  const load1 = loadavg();

  const f = (x: number | null, d = 0) => (x === null ? 'n/a' : x.toFixed(d));
  const spread = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? `${f(Math.min(...v))}-${f(Math.max(...v))}` : 'n/a';
  };
  console.log(`\ntokens per second, medians over ${REPS} interleaved repetitions (higher is better);`);
  console.log('ratio = ours / faster PyTorch of the same repetition: median [min-max]');
  console.log('| workload | ours (TF.js) | PyTorch 1 thread [spread] | PyTorch 2 threads [spread] | ratio |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    const t1 = `${f(r.torch1)} [${spread(r.reps.map((x) => x.torch1))}]`;
    const t2 = `${f(r.torch2)} [${spread(r.reps.map((x) => x.torch2))}]`;
    const ratio = `**${f(r.ratio, 2)}** [${f(r.ratioMin, 2)}-${f(r.ratioMax, 2)}]`;
    console.log(`| ${r.name} | ${f(r.ours)} | ${t1} | ${t2} | ${ratio} |`);
  }
  refs.forEach((r) => {
    const why = r.failure();
    if (why && results.some((x) => x.torch1 === null || x.torch2 === null)) {
      console.log(`PyTorch reference (${r.threads} thread(s)) unavailable: ${why}`);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const load = { start: load0.map((x) => +x.toFixed(2)), end: load1.map((x) => +x.toFixed(2)) };
  console.log(
    `\nmeasured in ${seconds.toFixed(0)} s; load average (1, 5, 15 min) ${load.start} at start, ${load.end} at end`,
  );
  console.log(`reference environment: ${JSON.stringify(refEnv)}`);
  if (removed.length) console.log(`removed from the reference's environment: ${removed.join(' ')}`);
  if (json) {
    const backend = describeBackend(report);
    console.log(JSON.stringify({ workloads: results, reps: REPS, seconds, load, backend, reference: refEnv, removed }));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
