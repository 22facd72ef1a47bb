import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JudgeTokens } from '../../src/data/judgeTokens';
import { readJsonl } from '../../src/io/jsonl';
import { nextTokenDistribution } from '../../src/decoding/generate';
import { loadModel } from '../../src/model/checkpoint';
import { loadExperiment, readLayer } from '../../src/tract/config';
import {
  distributionShiftRmse,
  SHIFT_CONDITIONS,
  suiteShift,
  teacherForcedRail,
} from '../../src/tract/distributionShift';
import { shiftCacheFile } from '../../src/results/paths';
import { readShiftJson } from '../../src/results/shiftFile';
import { experimentData, runExperiment } from '../../src/tract/pipeline';
import { useBackend } from '../helpers/backends';
import type { RunSummary } from '../../src/results/formats';

const ROOT = join(__dirname, '..', '..');
const SEED_MODEL = join(ROOT, 'models', 'stories260K');

/** The ci profile (tiny data, 3 steps per stage), model path made absolute. */
function toyConfig(method: string) {
  const cfg = loadExperiment(
    join(ROOT, 'experiments', 'tinyjudge', `${method}.json`),
    readLayer(join(ROOT, 'experiments', 'profiles', 'ci.json')),
  );
  return { ...cfg, model: SEED_MODEL };
}

describe('tract/distributionShift', function () {
  this.timeout(120000);
  before(() => useBackend('wasm'));

  it('teacherForcedRail: Σ k·p(k) after prompt + CoT + " So the overall score is ", the same in any batch', () => {
    const { model, tokenizer } = loadModel(SEED_MODEL);
    try {
      const jt = new JudgeTokens(tokenizer);
      const ex = experimentData(toyConfig('tract')).train.slice(0, 3);
      const prompts = ex.map((e) => jt.prompt(e.prompt));
      const cots = ex.map((e) => jt.cot(e.referenceCot));
      const batched = teacherForcedRail(model, jt, prompts, cots, 3);
      const single = teacherForcedRail(model, jt, prompts, cots, 1);
      // by hand: the next-token distribution after the full prefix, digits weighted 1..5 (no renormalisation)
      const byHand = ex.map((_, i) => {
        const p = nextTokenDistribution(model, [[...prompts[i], ...cots[i], ...jt.cotContext]], tokenizer.pad)[0];
        return jt.scoreIds.reduce((s, id, k) => s + (k + 1) * p[id], 0);
      });
      batched.forEach((v, i) => {
        assert.ok(Math.abs(v - byHand[i]) < 1e-4, `batched ${i}: ${v} vs ${byHand[i]}`);
        assert.ok(Math.abs(single[i] - byHand[i]) < 1e-4, `single ${i}: ${single[i]} vs ${byHand[i]}`);
      });
      assert.throws(() => teacherForcedRail(model, jt, prompts, cots.slice(1)), /3 prompts but 2 CoTs/);
    } finally {
      model.dispose();
    }
  });

  describe('on a toy TRACT run', () => {
    const results = mkdtempSync(join(tmpdir(), 'tract-shift-'));
    const ctx = { resultsDir: results, backend: null, log: () => {}, trainLog: () => undefined };
    let tract: RunSummary;
    before(async () => {
      tract = await runExperiment(toyConfig('tract'), ctx);
    });

    it('scores the first n training examples under every condition; RMSE against the integer targets', async () => {
      const res = await distributionShiftRmse({ run: tract, n: 6, resultsDir: results });
      const train = experimentData(toyConfig('tract')).train.slice(0, 6);
      assert.deepEqual(
        res.ids,
        train.map((e) => e.id),
      );
      assert.deepEqual(
        res.target,
        train.map((e) => e.goldExact),
      );
      assert.deepEqual(
        res.rows.map((r) => r.condition),
        SHIFT_CONDITIONS.map((c) => c.condition),
      );
      assert.deepEqual(
        res.rows.map((r) => r.paper),
        [0.12, 0.63, 0.45, null, 0.45],
      );
      for (const r of res.rows) {
        assert.equal(r.n, 6);
        assert.equal(r.rail.length, 6);
        assert.ok(
          r.rail.every((x) => x >= 0 && x <= 5),
          r.condition,
        );
        const byHand = Math.sqrt(r.rail.reduce((s, x, i) => s + (x - res.target[i]) ** 2, 0) / 6);
        assert.ok(Math.abs(r.rmse - byHand) < 1e-9);
        assert.ok(Math.abs(r.meanTarget - res.target.reduce((a, b) => a + b, 0) / 6) < 1e-12);
      }
      assert.match(res.sources.selfCots, /cache[\\/]selfcot[\\/]\w+\.jsonl$/);
      // the stage-1 model's own CoTs are the cached self-CoTs: scoring them again gives the same values
      const stage1 = loadModel(res.sources.stage1);
      const jt = new JudgeTokens(stage1.tokenizer);
      const cached = new Map(readJsonl<{ id: string; ids: number[] }>(res.sources.selfCots).map((r) => [r.id, r.ids]));
      const again = teacherForcedRail(
        stage1.model,
        jt,
        train.map((e) => jt.prompt(e.prompt)),
        train.map((e) => cached.get(e.id)!),
      );
      stage1.model.dispose();
      again.forEach((v, i) => {
        assert.ok(Math.abs(v - res.rows[1].rail[i]) < 1e-5);
      });
      // deterministic: the stage-2 model's own CoTs are sampled with fixed seeds (per batch, so for one batch size)
      const res2 = await distributionShiftRmse({ run: tract, n: 6, resultsDir: results });
      assert.deepEqual(
        res2.rows.map((r) => r.rmse),
        res.rows.map((r) => r.rmse),
      );
      // teacher-forced conditions do not depend on the batch size
      const res3 = await distributionShiftRmse({ run: tract, n: 6, resultsDir: results, batchSize: 4 });
      res3.rows
        .filter((r) => r.cots !== 'stage2-own')
        .forEach((r, j) => {
          r.rail.forEach((v, i) => {
            assert.ok(Math.abs(v - res.rows[j].rail[i]) < 1e-4, `${r.condition} ${i}`);
          });
        });
    });

    it('suiteShift: measures once per key, then reuses results/cache/shift; a damaged copy is redone', async () => {
      const lines: string[] = [];
      const log = (l: string) => lines.push(l);
      const first = await suiteShift([tract], 'tract', results, null, log);
      assert.ok(first);
      const file = shiftCacheFile(results, first.key);
      assert.deepEqual(readShiftJson(file), first);
      assert.ok(lines.some((l) => /distribution shift of tract-/.test(l)));
      lines.length = 0;
      // another suite, same stages: read from the cache, nothing computed
      const again = await suiteShift([tract], 'tract', results, null, log);
      assert.deepEqual(again, first);
      assert.deepEqual(lines, [`[shift] reusing ${file}`]);
      // a damaged cache entry is reported and measured again, to the same numbers
      writeFileSync(file, '{"stage1": ');
      lines.length = 0;
      const redone = await suiteShift([tract], 'tract', results, null, log);
      assert.deepEqual(redone, first);
      assert.match(lines[0], /is damaged .*recomputing/);
      assert.deepEqual(readShiftJson(file), first);
    });

    it('says what is missing', async () => {
      const ref = await runExperiment(toyConfig('cot-raft-ref'), ctx);
      await assert.rejects(
        distributionShiftRmse({ run: ref, n: 2, resultsDir: results }),
        /has no stage2: the analysis needs a two-stage method/,
      );
      await assert.rejects(
        distributionShiftRmse({ run: tract, n: 2, resultsDir: join(results, 'nowhere') }),
        /not in the step cache/,
      );
      await assert.rejects(distributionShiftRmse({ run: tract, n: 0, resultsDir: results }), /n must be ≥ 1/);
    });
  });
});
