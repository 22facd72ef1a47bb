import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertClose } from '../../src/engine/asserts';
import { Rng } from '../../src/engine/rng';
import { OBJECTIVES } from '../../src/losses/objective';
import { makeConfig } from '../../src/model/config';
import { LlamaModel } from '../../src/model/llama';
import { buildExample, emptyTruncationStats, type TrainExample } from '../../src/training/batches';
import { train } from '../../src/training/trainer';
import { useBackend } from '../helpers/backends';

const SCORE_IDS = [3, 4, 5, 6, 7];
const config = () =>
  makeConfig({
    dim: 16,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    hiddenDim: 32,
    vocabSize: 24,
    maxSeqLen: 32,
  });

/** Toy judge data: the score is 1 + (count of token 10 in the prompt, capped at 4). */
function toyExamples(n: number, seed: number): TrainExample[] {
  const rng = new Rng(seed);
  const stats = emptyTruncationStats();
  return Array.from({ length: n }, (_, i) => {
    const prompt = [1, ...Array.from({ length: 4 + rng.int(5) }, () => (rng.uniform() < 0.3 ? 10 : 11 + rng.int(8)))];
    const gold = 1 + Math.min(4, prompt.filter((t) => t === 10).length);
    return buildExample(`toy-${i}`, prompt, [20, 21, 22, SCORE_IDS[gold - 1], 2], gold, 32, stats)!;
  });
}

/** The PID of a process that has exited (a PID no running process holds, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(child.status, 0);
  return child.pid;
}

describe('training/checkpoint: folder swaps', () => {
  before(() => useBackend('wasm'));

  it('resumes from the saved step when a kill cut the checkpoint swap between its two renames', async () => {
    const examples = toyExamples(24, 12);
    const cfg = { steps: 12, batchSize: 6, lr: 2e-3, seed: 5, checkpointEvery: 4 };
    const base = {
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      log: () => undefined,
    };
    const full = LlamaModel.init(config(), 3);
    const uninterrupted = await train({ ...base, model: full });
    const dir = mkdtempSync(join(tmpdir(), 'tract-swap-cut-'));
    const a = LlamaModel.init(config(), 3);
    assert.equal((await train({ ...base, model: a, outDir: dir, stopAfter: 8 })).steps, 8);
    // replaceFolder renames checkpoint → checkpoint.old-PID-N, then the new folder → checkpoint:
    // a kill between the two leaves only the old folder, under a dead writer's PID
    const ckpt = join(dir, 'checkpoint');
    const old = `${ckpt}.old-${deadPid()}-1`;
    renameSync(ckpt, old);
    const b = LlamaModel.init(config(), 99); // a fresh process starts from other weights
    const resumed = await train({ ...base, model: b, outDir: dir });
    assert.equal(resumed.resumedFrom, 8);
    assert.equal(resumed.steps, 12);
    assertClose(resumed.finalLoss, uninterrupted.finalLoss, { atol: 1e-5, rtol: 1e-5 });
    assert.ok(existsSync(join(ckpt, 'state.json')));
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint', 'train-log.csv']);
    for (const m of [full, a, b]) m.dispose();
  });
});
