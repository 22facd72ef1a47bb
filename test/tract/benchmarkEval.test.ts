import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JudgeTokens } from '../../src/data/judgeTokens';
import {
  autoChatTemplate,
  BENCHMARK_EVAL_DEFAULTS,
  evaluateBenchmark,
  truncateLeft,
} from '../../src/tract/benchmarkEval';
import { initBackend } from '../../src/engine/backend';
import { llama31Tokenizer, mistralTokenizer } from '../helpers/paperTokenizers';

const ROOT = join(__dirname, '..', '..');
const FB = join(ROOT, 'test', 'fixtures', 'data', 'feedback_bench_sample.json');

describe('tract/benchmarkEval', () => {
  before(async () => {
    await initBackend();
  });

  it('cuts over-long prompts from the left, keeping the BOS and the end (rubric, "###Feedback:")', () => {
    assert.deepEqual(truncateLeft([1, 5, 6, 7, 8, 9], 4, 1), { ids: [1, 7, 8, 9], dropped: 2 });
    assert.deepEqual(truncateLeft([5, 6, 7, 8, 9], 3, null), { ids: [7, 8, 9], dropped: 2 });
    assert.deepEqual(truncateLeft([1, 5, 6], 4, 1), { ids: [1, 5, 6], dropped: 0 });
  });

  it("wraps prompts in the seed models' chat templates with one BOS (§6.4)", async () => {
    // ids as Hugging Face's tokenizers give them for "<s>[INST] Hi there[/INST]" and the Llama-3 user turn
    const m = new JudgeTokens(await mistralTokenizer());
    assert.deepEqual(
      m.chatPrompt('Hi there', 'mistral'),
      [1, 733, 16289, 28793, 15359, 736, 28792, 28748, 16289, 28793],
    );
    const l = new JudgeTokens(llama31Tokenizer());
    assert.deepEqual(
      l.chatPrompt('Hi there', 'llama3'),
      [128000, 128006, 882, 128007, 271, 13347, 1070, 128009, 128006, 78191, 128007, 271],
    );
    assert.deepEqual(m.chatPrompt('Hi there', 'none'), m.prompt('Hi there'));
    const base = {
      dim: 8,
      nLayers: 1,
      nHeads: 1,
      nKvHeads: 1,
      headDim: 8,
      hiddenDim: 8,
      maxSeqLen: 8,
      ropeTheta: 1,
      normEps: 1e-5,
      tiedEmbeddings: true,
    } as const;
    assert.equal(autoChatTemplate({ ...base, architecture: 'mistral', vocabSize: 32000 } as never), 'mistral');
    assert.equal(autoChatTemplate({ ...base, architecture: 'llama', vocabSize: 128256 } as never), 'llama3');
    assert.equal(autoChatTemplate({ ...base, architecture: 'llama', vocabSize: 512 } as never), 'none');
  });

  it(
    'judges a benchmark file with stories260K, writes the run files, ' + 'and resumes an interrupted run identically',
    async function () {
      this.timeout(60000);
      const resultsDir = mkdtempSync(join(tmpdir(), 'tract-eval-'));
      const opts = {
        ...BENCHMARK_EVAL_DEFAULTS,
        model: join(ROOT, 'models', 'stories260K'),
        benchmark: FB,
        maxNewTokens: 6,
        batchSize: 2,
        bootstrapSamples: 50,
        resultsDir,
        backend: null,
        log: () => {},
      };
      const first = await evaluateBenchmark(opts);
      for (const f of ['config.resolved.json', 'env.json', 'predictions.jsonl', 'metrics.json'])
        assert.ok(existsSync(join(first.dir, f)), f);
      assert.equal(first.metrics.benchmark, 'feedback_bench_sample');
      assert.equal(first.metrics.judged, 3);
      assert.deepEqual(
        first.predictions.map((p) => p.gold),
        [5, 1, 4],
      );
      assert.equal(first.metrics.truncated.count, 3, "the fixture prompts exceed stories260K's 512-token context");
      for (const p of first.predictions) {
        assert.equal(p.readouts.length, 1);
        const r = p.readouts[0];
        assert.ok(r.massOutside > 0 && r.massOutside < 1);
      }
      // the metrics are those of RAIL against the labels 5, 1, 4 (hand RMSE; the readout arithmetic itself
      // is checked by hand in test/tract/evaluate.test.ts)
      const rails = first.predictions.map((p) => p.rail);
      const rmse = Math.sqrt(((rails[0] - 5) ** 2 + (rails[1] - 1) ** 2 + (rails[2] - 4) ** 2) / 3);
      assert.ok(Math.abs(first.metrics.rail.rmse - rmse) < 1e-9, `RMSE ${first.metrics.rail.rmse} vs ${rmse}`);
      const meanOutside = first.predictions.reduce((s, p) => s + p.readouts[0].massOutside, 0) / 3;
      assert.ok(Math.abs(first.metrics.massOutside - meanOutside) < 1e-12);
      // interrupted while appending the second chunk (a torn last line): the rerun keeps the whole first chunk
      // (2 records) and judges the rest exactly as an uninterrupted run does
      const lines = readFileSync(join(first.dir, 'predictions.jsonl'), 'utf8').trim().split('\n');
      rmSync(join(first.dir, 'predictions.jsonl'));
      writeFileSync(join(first.dir, 'predictions.partial.jsonl'), `${lines.join('\n')}\n${lines[2].slice(0, 20)}`);
      const logs: string[] = [];
      const again = await evaluateBenchmark({ ...opts, log: (l: string) => logs.push(l) });
      assert.ok(
        logs.some((l) => /resuming after 2\/3/.test(l)),
        logs.join('\n'),
      );
      assert.deepEqual(again.predictions, first.predictions);
      assert.deepEqual(again.metrics.rail, first.metrics.rail);
    },
  );
});
