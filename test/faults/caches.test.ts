import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JudgeTokens } from '../../src/data/judgeTokens';
import { generateTinyJudge, type TinyJudgeExample } from '../../src/data/tinyJudge';
import { initBackend } from '../../src/engine/backend';
import { loadModel, loadModelTokenizer } from '../../src/model/checkpoint';
import type { LlamaModel } from '../../src/model/llama';
import { evalFiles } from '../../src/results/evalFolder';
import { BENCHMARK_EVAL_DEFAULTS, evaluateBenchmark } from '../../src/tract/benchmarkEval';
import { DEFAULT_EXPERIMENT } from '../../src/tract/config';
import { judgeExamples } from '../../src/tract/evaluate';
import { generateSelfCots, selfCotManifest } from '../../src/tract/selfCot';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'models', 'stories260K');
const FB = join(ROOT, 'test', 'fixtures', 'data', 'feedback_bench_sample.json');

describe('faults: damaged caches, resumes at every line boundary, batch size', function () {
  this.timeout(300000);
  let model: LlamaModel;
  let jt: JudgeTokens;
  let examples: TinyJudgeExample[];
  let dir: string;
  const sampling = { ...DEFAULT_EXPERIMENT.selfCot, maxNewTokens: 10, seed: 'faults' };
  const selfCots = (file: string, batchSize: number, damaged: string[] = []) =>
    generateSelfCots({ model, jt, examples, sampling, batchSize, file, onDamaged: (w) => damaged.push(w) });

  before(async () => {
    await initBackend();
    model = loadModel(MODEL).model;
    jt = new JudgeTokens(loadModelTokenizer(MODEL));
    examples = generateTinyJudge({
      ...DEFAULT_EXPERIMENT.data,
      seed: 'faults',
      train: 6,
      val: 1,
      test: 4,
      testOod: 1,
    }).train;
    dir = mkdtempSync(join(tmpdir(), 'tract-caches-'));
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('judgeExamples: batch 1, 3, 4 and 8 give identical predictions (seeds from the example)', async () => {
    const ex = examples.map((e) => ({
      id: e.id,
      prompt: e.prompt,
      label: e.label,
      goldExact: e.goldExact,
      criteria: e.criteria,
    }));
    const run = (batchSize: number) =>
      judgeExamples({
        model,
        jt,
        examples: ex,
        promptKind: 'cot',
        eval: { ...DEFAULT_EXPERIMENT.eval, maxNewTokens: 10, nCot: 2, batchSize, seed: 's' },
        split: 'test',
      });
    const ref = JSON.stringify(await run(8));
    for (const b of [1, 3, 4]) assert.equal(JSON.stringify(await run(b)), ref, `batch ${b}`);
  });

  it(
    'self-CoTs: batch 4 and 2 give identical CoTs; ' +
      'a resume at every line boundary (and a torn line) ends identical',
    async () => {
      const ref = await selfCots(join(dir, 'ref.jsonl'), 4);
      assert.equal(ref.reused, false);
      const other = await selfCots(join(dir, 'b2.jsonl'), 2);
      assert.deepEqual(other.records, ref.records);
      const lines = readFileSync(join(dir, 'ref.jsonl'), 'utf8').split('\n').filter(Boolean);
      for (let k = 0; k <= lines.length; k++) {
        for (const torn of [false, true]) {
          if (torn && k === lines.length) continue;
          const file = join(dir, `resume-${k}-${torn}.jsonl`);
          const partial =
            lines
              .slice(0, k)
              .map((l) => `${l}\n`)
              .join('') + (torn ? lines[k].slice(0, 17) : '');
          writeFileSync(`${file}.partial`, partial);
          const res = await selfCots(file, 4);
          assert.deepEqual(res.records, ref.records, `resumed after ${k} lines${torn ? ' and a torn one' : ''}`);
          assert.ok(!existsSync(`${file}.partial`));
        }
      }
    },
  );

  it(
    'self-CoT cache cut at many offsets, emptied, or without its manifest: ' + 'reported, recomputed, identical',
    async () => {
      const file = join(dir, 'cut.jsonl');
      const ref = await selfCots(file, 4);
      const size = readFileSync(file).length;
      const damages: ((f: string) => void)[] = [
        ...[0, 1, Math.floor(size / 3), Math.floor(size / 2), size - 1].map((n) => (f: string) => truncateSync(f, n)),
        (f) => rmSync(selfCotManifest(f)),
        (f) => writeFileSync(selfCotManifest(f), ''),
      ];
      for (const damage of damages) {
        damage(file);
        const said: string[] = [];
        const res = await selfCots(file, 3, said);
        assert.equal(res.reused, false);
        assert.match(said.join('\n'), /damaged self-CoT cache entry/);
        assert.deepEqual(res.records, ref.records);
        assert.equal((await selfCots(file, 4)).reused, true, 'the recomputed entry is reused');
      }
    },
  );

  it(
    'tract eval: a cut predictions.jsonl or metrics.json is judged again, never reused; ' +
      'a resume at every line boundary is identical',
    async () => {
      const resultsDir = join(dir, 'eval');
      const opts = {
        ...BENCHMARK_EVAL_DEFAULTS,
        model: MODEL,
        benchmark: FB,
        maxNewTokens: 6,
        batchSize: 1,
        bootstrapSamples: 20,
        resultsDir,
        backend: null,
        log: () => {},
      };
      const ref = await evaluateBenchmark(opts);
      const f = evalFiles(ref.dir);
      const text = readFileSync(f.predictions, 'utf8');
      const lines = text.split('\n').filter(Boolean);
      for (const cut of [f.predictions, f.metrics]) {
        truncateSync(cut, Math.floor(readFileSync(cut).length / 2));
        const said: string[] = [];
        const res = await evaluateBenchmark({ ...opts, log: (l: string) => said.push(l) });
        assert.equal(res.reused, false, `${cut} cut: judged again`);
        assert.match(said.join('\n'), /damaged evaluation/);
        assert.deepEqual(res.predictions, ref.predictions);
      }
      for (let k = 0; k < lines.length; k++) {
        for (const file of [f.predictions, f.metrics, f.manifest]) rmSync(file, { force: true });
        writeFileSync(
          f.partial,
          lines
            .slice(0, k)
            .map((l) => `${l}\n`)
            .join('') + lines[k].slice(0, 9),
        );
        const res = await evaluateBenchmark({ ...opts, batchSize: 2 });
        assert.deepEqual(res.predictions, ref.predictions, `resumed after ${k} records (batch size 2 instead of 1)`);
        assert.equal(res.metrics.rail.pearson, ref.metrics.rail.pearson);
      }
    },
  );
});
