/**
 * CoT sampling as the pipeline does it (self-CoTs, evaluation CoTs): `sampleCots` on TinyJudge training prompts
 * with TRACT's sampling (temperature 1, top-p 0.9, repetition penalty 1.03, at most 64 new tokens, cut at
 * "So the overall"), in batches, one sampling stream per example. Prints CoTs per second per round, their median,
 * and a hash of the sampled token ids: two versions of the code that sample the same tokens print the same hash.
 *
 *   npx tsx bench/sampling.bench.ts [--model DIR] [--n N] [--batch B] [--rounds R]
 *
 * `--model` is a model folder (default the stories260K seed, whose CoTs run to the token limit; a trained stage,
 * e.g. `results/cache/stages/<key>/model`, writes real CoTs that stop). Threads as `TRACT_THREADS` says; the suite
 * samples with one thread per job. To compare two versions of the code, run this file in both checkouts, in turn.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { JudgeTokens } from '../src/data/judgeTokens';
import { generateTinyJudge } from '../src/data/tinyJudge';
import { describeBackend, initBackend } from '../src/engine/backend';
import { loadModel, loadModelTokenizer } from '../src/model/checkpoint';
import { sampleCots } from '../src/tract/selfCot';
import { median, option } from './cli';

(async () => {
  const report = await initBackend({ prefer: 'wasm' });
  const seedDir = join(__dirname, '..', 'models', 'stories260K');
  const dir = option('--model', seedDir);
  const n = Number(option('--n', '256'));
  const batch = Number(option('--batch', '32'));
  const rounds = Number(option('--rounds', '3'));
  const model = loadModel(dir).model;
  const jt = new JudgeTokens(loadModelTokenizer(seedDir));
  const data = generateTinyJudge({
    seed: 'tinyjudge-v4',
    train: n,
    val: 1,
    test: 1,
    testOod: 1,
    generator: 'v4',
    shift: 0.1,
  });
  const sampling = { maxNewTokens: 64, temperature: 1, topP: 0.9, repetitionPenalty: 1.03 };
  console.log(`${describeBackend(report)}\nmodel ${dir}, ${n} CoTs in batches of ${batch}, ${rounds} rounds`);
  const perSecond: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const hash = createHash('sha256');
    let tokens = 0;
    const t0 = performance.now();
    for (let start = 0; start < n; start += batch) {
      const rows = data.train.slice(start, start + batch);
      const prompts = rows.map((e) => jt.prompt(e.prompt));
      const seeds = rows.map((e) => `42/self-cot/${e.id}`);
      for (const cot of await sampleCots(model, jt, prompts, sampling, seeds)) {
        hash.update(JSON.stringify(cot.ids));
        tokens += cot.ids.length;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    perSecond.push(n / seconds);
    const digest = hash.digest('hex').slice(0, 16);
    console.log(
      `round ${round + 1}: ${seconds.toFixed(2)} s, ${(n / seconds).toFixed(1)} CoTs/s, ` +
        `${tokens} kept tokens, hash ${digest}`,
    );
  }
  console.log(`median ${median(perSecond).toFixed(1)} CoTs/s`);
  model.dispose();
})();
