import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLayer, loadExperiment } from '../../src/tract/config';
import { pendingKeys, plannedKeys, reusableRunFolder, runExperiment, stageObjective } from '../../src/tract/pipeline';
import { modelDigest } from '../../src/tract/provenance';
import { useBackend } from '../helpers/backends';

const ROOT = join(__dirname, '..', '..');
const GOLDEN = join(__dirname, '..', 'golden', 'toy-tract.json');

/** The ci profile (tiny data, 3 steps per stage), model path made absolute. */
function toyConfig(method: string) {
  const cfg = loadExperiment(
    join(ROOT, 'experiments', 'tinyjudge', `${method}.json`),
    readLayer(join(ROOT, 'experiments', 'profiles', 'ci.json')),
  );
  return { ...cfg, model: join(ROOT, 'models', 'stories260K') };
}

describe('tract/pipeline: the two-stage pipeline on a toy config (golden)', function () {
  this.timeout(120000);
  before(() => useBackend('wasm'));
  const results = mkdtempSync(join(tmpdir(), 'tract-pipe-'));
  const lines: string[] = [];
  const ctx = { resultsDir: results, backend: null, log: (l: string) => lines.push(l), trainLog: () => undefined };

  it('runs TRACT end to end, writes the run files, and matches the golden losses', async () => {
    const run = await runExperiment(toyConfig('tract'), ctx);
    for (const f of [
      'config.resolved.json',
      'env.json',
      'metrics.json',
      'predictions.jsonl',
      'train-log.csv',
      'stages.json',
    ]) {
      assert.ok(existsSync(join(run.dir, f)), f);
    }
    const env = JSON.parse(readFileSync(join(run.dir, 'env.json'), 'utf8'));
    assert.ok('gitCommit' in env && 'gitDirty' in env && env.tfjs === '4.22.0');
    assert.equal(run.metrics.stages.length, 2);
    assert.equal(run.metrics.selfCot!.n, 32);
    assert.equal(run.predictions.length, 32);
    for (const p of run.predictions) {
      assert.equal(p.readouts.length, 1);
      assert.ok(p.rail >= 0 && p.rail <= 5);
      assert.equal(p.rail, p.readouts[0].rail, 'one CoT: the prediction is its readout');
    }
    // the metrics table's RMSE is that of RAIL against the mean label (not goldExact, not standard decoding);
    // the readout arithmetic itself is checked by hand in test/tract/evaluate.test.ts
    for (const [split, m] of Object.entries(run.metrics.splits)) {
      const ps = run.predictions.filter((p) => p.split === split);
      const rmse = Math.sqrt(ps.reduce((s, p) => s + (p.rail - p.gold) ** 2, 0) / ps.length);
      assert.ok(ps.length > 0 && Math.abs(m.rail.rmse - rmse) < 1e-9, `${split}: RMSE ${m.rail.rmse} vs ${rmse}`);
      assert.equal(m.rail.n, ps.length);
    }
    const log = readFileSync(join(run.dir, 'train-log.csv'), 'utf8').trim().split('\n');
    assert.match(
      log[0],
      /^stage,step,loss,ce,score,lr,gradNorm,tokensPerSec,seconds,eval_decisionAcc,eval_valLoss,eval_valPearson$/,
    );
    const losses = log.slice(1).map((l) => Number(l.split(',')[2]));
    assert.equal(losses.length, 6);
    // golden per-step losses of both stages (wasm backend, tfjs 4.22; see test/golden/README.md)
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { losses: number[]; railTest0: number };
    losses.forEach((l, i) => {
      assert.ok(
        Math.abs(l - golden.losses[i]) <= 1e-3 * Math.max(1, Math.abs(golden.losses[i])),
        `step ${i}: ${l} vs ${golden.losses[i]}`,
      );
    });
    assert.ok(
      Math.abs(run.predictions[0].rail - golden.railTest0) < 1e-3,
      `rail ${run.predictions[0].rail} vs ${golden.railTest0}`,
    );
  });

  it('shares stages between methods and reuses everything on a rerun', async () => {
    lines.length = 0;
    const ref = await runExperiment(toyConfig('cot-raft-ref'), ctx);
    assert.ok(
      lines.some((l) => /\[cot-raft-ref\/stage1\] reusing/.test(l)),
      'TRACT stage 1 = cot-raft-ref',
    );
    assert.equal(ref.metrics.stages[0].reused, true);
    lines.length = 0;
    const envFile = join(results, 'runs', (await runExperiment(toyConfig('tract'), ctx)).runId, 'env.json');
    const env = readFileSync(envFile, 'utf8');
    writeFileSync(envFile, env.replace(/"date": "[^"]*"/, '"date": "the first computation"'));
    const again = await runExperiment(toyConfig('tract'), ctx);
    // a fully reused rerun keeps the stages' reused flags of the computation that made the run folder (the first
    // test trained both stages), as it keeps its env.json
    assert.deepEqual(
      again.metrics.stages.map((s) => s.reused),
      [false, false],
    );
    assert.deepEqual(
      JSON.parse(readFileSync(join(again.dir, 'stages.json'), 'utf8')).map((s: { reused: boolean }) => s.reused),
      [false, false],
    );
    assert.match(
      readFileSync(envFile, 'utf8'),
      /"date": "the first computation"/,
      'a fully reused run keeps the env.json of its computation',
    );
    assert.ok(lines.some((l) => /self-CoTs reused/.test(l)));
    assert.ok(lines.some((l) => /reusing evaluation/.test(l)));
    assert.equal(readdirSync(join(results, 'cache', 'stages')).length, 2);
  });

  it('reuseRunFolders: a complete run folder with the planned stage keys stands in for a missing cache', async () => {
    const cfg = toyConfig('tract');
    const first = await runExperiment(cfg, ctx);
    const bare = mkdtempSync(join(tmpdir(), 'tract-bare-'));
    cpSync(join(results, 'runs'), join(bare, 'runs'), { recursive: true }); // the run folders, no cache
    const log: string[] = [];
    const bareCtx = { ...ctx, resultsDir: bare, log: (l: string) => log.push(l), reuseRunFolders: true };
    const again = await runExperiment(cfg, bareCtx);
    assert.equal(again.computed, false);
    assert.deepEqual(again.predictions, first.predictions);
    assert.deepEqual(again.metrics, JSON.parse(readFileSync(join(first.dir, 'metrics.json'), 'utf8')));
    assert.ok(!existsSync(join(bare, 'cache')), 'nothing computed, nothing cached');
    assert.match(log.join('\n'), /reusing run folder .* \(its stage keys match; no cached step needed\)/);
    // another seed model (one tokenizer byte): the stage keys differ, so the run is computed
    const model = mkdtempSync(join(tmpdir(), 'tract-model2-'));
    cpSync(cfg.model, model, { recursive: true });
    const tok = readFileSync(join(model, 'tok512.bin'));
    tok[tok.length - 1] ^= 1;
    writeFileSync(join(model, 'tok512.bin'), tok);
    const found = reusableRunFolder(cfg, again.dir, modelDigest(model), (l) => log.push(l));
    assert.equal(found, null);
    assert.match(log[log.length - 1], /not reused \(its stages .* are not the planned .*\): computing the run/);
    // a run folder missing a file is not reused either
    rmSync(join(again.dir, 'predictions.jsonl'));
    assert.equal(
      reusableRunFolder(cfg, again.dir, modelDigest(cfg.model), (l) => log.push(l)),
      null,
    );
    assert.match(log[log.length - 1], /no predictions\.jsonl/);
  });

  it('plannedKeys gives the keys the run used, and a model documentation edit moves no key', async () => {
    const cfg = toyConfig('tract');
    const keys = plannedKeys(cfg, modelDigest(cfg.model));
    const all = [
      ...Object.values(keys.stages).map((k) => `stage:${k}`),
      `selfcot:${keys.selfCot}`,
      `eval:${keys.eval}`,
    ];
    const empty = mkdtempSync(join(tmpdir(), 'tract-pending-'));
    assert.deepEqual(pendingKeys(cfg, empty).sort(), [...all].sort(), 'nothing cached: every step is pending');
    rmSync(empty, { recursive: true, force: true });
    const run = await runExperiment(cfg, ctx);
    assert.deepEqual(pendingKeys(cfg, results), [], 'after the run: nothing left to compute');
    assert.deepEqual(
      run.metrics.stages.map((s) => [s.name, s.key]),
      Object.entries(keys.stages),
    );
    assert.ok(existsSync(join(results, 'cache', 'selfcot', `${keys.selfCot}.jsonl`)));
    assert.ok(existsSync(join(results, 'cache', 'eval', keys.eval, 'predictions.jsonl')));
    // the seed digest covers the weights and tokenizer, not PROVENANCE.md (284a484 edited it, and every
    // cached stage lost its key); a changed weight file does change it
    const copy = mkdtempSync(join(tmpdir(), 'tract-model-'));
    cpSync(cfg.model, copy, { recursive: true });
    assert.equal(modelDigest(copy), modelDigest(cfg.model));
    writeFileSync(join(copy, 'PROVENANCE.md'), 'edited\n');
    writeFileSync(join(copy, 'NOTES.md'), 'a new note\n');
    assert.equal(modelDigest(copy), modelDigest(cfg.model));
    const tok = readFileSync(join(copy, 'tok512.bin'));
    tok[tok.length - 1] ^= 1;
    writeFileSync(join(copy, 'tok512.bin'), tok);
    assert.notEqual(modelDigest(copy), modelDigest(cfg.model));
  });

  it('objective.ceIncludesScoreToken puts CE on the digit of CoT-RAFT stages only, and moves only their keys', () => {
    const cfg = toyConfig('tract');
    const digit = { ...cfg, objective: { ...cfg.objective, ceIncludesScoreToken: true } };
    const off = { ...cfg, objective: { ...cfg.objective, ceIncludesScoreToken: false } };
    assert.equal(stageObjective('cotRaft', cfg).ceIncludesScoreToken, false, 'absent: the official code');
    assert.equal(stageObjective('cotRaft', digit).ceIncludesScoreToken, true);
    assert.deepEqual(stageObjective('cotRaft', off), stageObjective('cotRaft', cfg), 'false is the default');
    assert.deepEqual(stageObjective('ce', digit), stageObjective('ce', cfg), 'CE covers the digit anyway');
    const parity = { ...cfg, objective: { ...cfg.objective, lambda: 2, reduction: 'officialParity' as const } };
    assert.deepEqual(stageObjective('ce', parity), stageObjective('ce', cfg), 'a CE stage: λ 0, mean over tokens');
    assert.equal(stageObjective('cotRaft', parity).reduction, 'officialParity');
    assert.equal(stageObjective('raft', parity).lambda, 2);
    assert.deepEqual(stageObjective('raft', digit), stageObjective('raft', cfg), 'RAFT has no CE term');
    const seedKey = modelDigest(cfg.model);
    assert.deepEqual(plannedKeys(off, seedKey), plannedKeys(cfg, seedKey), 'false keeps every cached key');
    const moved = plannedKeys(digit, seedKey).stages;
    for (const [name, key] of Object.entries(plannedKeys(cfg, seedKey).stages)) {
      assert.notEqual(moved[name], key, `${name}: a CoT-RAFT stage with another objective is another stage`);
    }
    const ce = toyConfig('ce-cot');
    assert.deepEqual(
      plannedKeys({ ...ce, objective: { ...ce.objective, ceIncludesScoreToken: true } }, seedKey),
      plannedKeys(ce, seedKey),
      'a CE method keeps its keys',
    );
  });
});
