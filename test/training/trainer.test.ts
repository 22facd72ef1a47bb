import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { OBJECTIVES } from '../../src/losses/objective';
import { LlamaModel } from '../../src/model/llama';
import { attachLora } from '../../src/model/lora';
import { buildExample, collate, emptyTruncationStats, epochBatches } from '../../src/training/batches';
import { learningRate, warmupStepCount } from '../../src/training/optimizer';
import { resolveTrainConfig, train } from '../../src/training/trainer';
import { useBackend } from '../helpers/backends';
import { SCORE_IDS, tinyConfig, toyExamples } from '../helpers/toyJudge';

const config = tinyConfig;

const quiet = () => undefined;

describe('training/trainer', () => {
  before(() => useBackend('wasm'));

  it('changes every trainable variable and lowers the loss on a tiny set', async () => {
    const model = LlamaModel.init(config(), 1);
    const before = model.trainableVariables().map((v) => v.dataSync().slice());
    const res = await train({
      model,
      examples: toyExamples(32),
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: { steps: 40, batchSize: 8, lr: 3e-3, seed: 1 },
      log: quiet,
    });
    model.trainableVariables().forEach((v, i) => {
      assert.throws(
        () => assertClose(v.dataSync(), before[i], { atol: 0, rtol: 0 }),
        /not close/,
        `variable ${i} did not change`,
      );
    });
    const first = res.rows.slice(0, 5).reduce((s, r) => s + r.loss, 0) / 5;
    const last = res.rows.slice(-5).reduce((s, r) => s + r.loss, 0) / 5;
    assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
    model.dispose();
  });

  it('resumes from a checkpoint to the same final loss as an uninterrupted run', async () => {
    const examples = toyExamples(24, 2);
    const cfg = { steps: 12, batchSize: 6, lr: 2e-3, seed: 3, checkpointEvery: 4, gradAccum: 2 };
    const full = LlamaModel.init(config(), 2);
    const uninterrupted = await train({
      model: full,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      log: quiet,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tract-resume-'));
    const a = LlamaModel.init(config(), 2);
    const part = await train({
      model: a,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      outDir: dir,
      log: quiet,
      stopAfter: 8,
    });
    assert.equal(part.steps, 8);
    a.dispose();
    // a fresh process would start from the seed weights: the checkpoint must restore everything
    const b = LlamaModel.init(config(), 99);
    const resumed = await train({
      model: b,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      outDir: dir,
      log: quiet,
    });
    assert.equal(resumed.resumedFrom, 8);
    assert.equal(resumed.steps, 12);
    // tolerance: float32 kernels are deterministic here; allow rounding from the saved state
    assertClose(resumed.finalLoss, uninterrupted.finalLoss, { atol: 1e-5, rtol: 1e-5 });
    const csv = readFileSync(join(dir, 'train-log.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'step,loss,ce,score,lr,gradNorm,tokensPerSec,seconds');
    assert.equal(csv.length, 13);
    assert.ok(existsSync(join(dir, 'checkpoint', 'weights.safetensors')));
    // a changed config must not silently reuse the checkpoint
    const c = LlamaModel.init(config(), 2);
    await assert.rejects(
      train({
        model: c,
        examples,
        pad: 0,
        scoreTokenIds: SCORE_IDS,
        objective: OBJECTIVES.ce,
        config: cfg,
        outDir: dir,
        log: quiet,
      }),
      /checkpoint belongs to a different run/,
    );
    tf.dispose([full, b, c].flatMap((m) => m.trainableVariables()));
  });

  it('resumes LoRA training with dropout exactly (the dropout stream is checkpointed)', async () => {
    const examples = toyExamples(24, 7);
    const cfg = { steps: 10, batchSize: 6, lr: 3e-3, seed: 4, checkpointEvery: 5 };
    const withLora = () => {
      const m = LlamaModel.init(config(), 7); // LoRA checkpoints hold the adapters; the base is the seed model
      attachLora(m, { rank: 4, alpha: 8, dropout: 0.2 }, 11);
      return m;
    };
    const full = withLora();
    const uninterrupted = await train({
      model: full,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      log: quiet,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tract-lora-resume-'));
    const a = withLora();
    await train({
      model: a,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      outDir: dir,
      log: quiet,
      stopAfter: 5,
    });
    const b = withLora();
    const resumed = await train({
      model: b,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: cfg,
      outDir: dir,
      log: quiet,
    });
    assert.equal(resumed.resumedFrom, 5);
    assertClose(resumed.finalLoss, uninterrupted.finalLoss, { atol: 1e-5, rtol: 1e-5 });
    for (const m of [full, a, b]) m.dispose();
  });

  it('derives the number of steps from epochs', async () => {
    const model = LlamaModel.init(config(), 8);
    const res = await train({
      model,
      examples: toyExamples(20, 8),
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.ce,
      config: { epochs: 2, batchSize: 8 },
      log: quiet,
    });
    assert.equal(res.steps, Math.ceil((2 * 20) / 8));
    model.dispose();
  });

  it('leaks no tensors over 20 steps', async () => {
    const model = LlamaModel.init(config(), 4);
    const examples = toyExamples(16, 4);
    await train({
      model,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: { steps: 2, batchSize: 4 },
      log: quiet,
    });
    const before = tf.memory().numTensors;
    await train({
      model,
      examples,
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.cotRaft,
      config: { steps: 20, batchSize: 4, gradAccum: 2 },
      log: quiet,
      evaluate: () => ({ x: 1 }),
    });
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });

  it('stops with a clear message naming the step when the loss is not finite', async () => {
    const model = LlamaModel.init(config(), 5);
    const examples = toyExamples(8, 5);
    await assert.rejects(
      train({
        model,
        examples,
        pad: 0,
        scoreTokenIds: SCORE_IDS,
        objective: OBJECTIVES.cotRaft,
        config: { steps: 5, batchSize: 4, lr: 1e30, maxGradNorm: 0 },
        log: quiet,
      }),
      /\[train\] step \d: loss is (NaN|Infinity)/,
    );
    model.dispose();
  });

  it('rejects unknown keys and bad values in its config', () => {
    assert.throws(() => resolveTrainConfig({ stepz: 3 } as never), /unknown key 'stepz'/);
    assert.throws(() => resolveTrainConfig({ batchSize: 0 }), /batchSize must be a positive integer/);
    assert.throws(() => resolveTrainConfig({ warmupRatio: 1 }), /warmupRatio/);
  });

  it('warm-up then cosine learning rate, as HF get_cosine_schedule_with_warmup', async () => {
    // HF's factor at step s (updates already made), warm-up w, total n, num_cycles 0.5:
    //   s < w: s / max(1, w);  else max(0, 0.5 * (1 + cos(pi * 0.5 * 2 * (s - w) / max(1, n - w))))
    assert.equal(learningRate(0, 1, 10, 110), 0); // 0 / 10: the first update has lr 0
    assertClose(learningRate(1, 1, 10, 110), 0.1); // 1 / 10
    assertClose(learningRate(9, 1, 10, 110), 0.9); // 9 / 10
    assertClose(learningRate(10, 1, 10, 110), 1); // progress 0: 0.5 * (1 + cos 0)
    // progress 1/4: 0.5 * (1 + cos(pi/4)) = 0.5 + sqrt(2)/4
    assertClose(learningRate(35, 1, 10, 110), 0.5 + Math.SQRT2 / 4, { atol: 1e-12 });
    assertClose(learningRate(60, 1, 10, 110), 0.5, { atol: 1e-12 }); // progress 1/2: 0.5 * (1 + cos(pi/2))
    assertClose(learningRate(110, 1, 10, 110), 0, { atol: 1e-12 }); // progress 1: 0.5 * (1 + cos pi)
    assertClose(learningRate(5, 3e-4, 10, 110), 1.5e-4); // the factor scales the peak: 3e-4 * 5 / 10
    assertClose(learningRate(0, 2e-3, 0, 10), 2e-3); // no warm-up: the first update is at the peak
    assert.equal(warmupStepCount(0.1, 40), 4); // ceil(0.1 * 40), HF TrainingArguments.get_warmup_steps
    assert.equal(warmupStepCount(0.1, 12), 2); // ceil(1.2)
    // the trainer asks for step = updates made so far: row k (1-based) logs learningRate(k - 1)
    const model = LlamaModel.init(config(), 6);
    const res = await train({
      model,
      examples: toyExamples(8, 6),
      pad: 0,
      scoreTokenIds: SCORE_IDS,
      objective: OBJECTIVES.ce,
      config: { steps: 10, batchSize: 4, lr: 1e-3, warmupRatio: 0.2 },
      log: quiet,
      stopAfter: 3,
    });
    assert.deepEqual(
      res.rows.map((r) => r.lr),
      [0, 1e-3 * (1 / 2), 1e-3],
    ); // warm-up ceil(0.2 * 10) = 2
    model.dispose();
  });

  it('batches: truncates prompts (never targets), buckets by length, deterministic order', () => {
    const stats = emptyTruncationStats();
    const ex = buildExample('a', [1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11], 3, 8, stats)!;
    // 8 - 3 target tokens = 5 prompt tokens: the first (BOS) and the last 4
    assert.deepEqual(ex.inputIds, [1, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(ex.targetStart, 5);
    assert.equal(stats.truncatedPrompts, 1);
    assert.equal(buildExample('b', [1, 2], [3, 4, 5, 6, 7, 8, 9, 10], 1, 8, stats), null);
    assert.deepEqual([stats.examples, stats.droppedTooLong, stats.droppedIds], [2, 1, ['b']]);
    const examples = toyExamples(40, 6);
    const e1 = epochBatches(examples, 8, 'x', 0);
    assert.deepEqual(epochBatches(examples, 8, 'x', 0), e1);
    assert.notDeepEqual(epochBatches(examples, 8, 'x', 1), e1);
    assert.equal(e1.flat().length, 40);
    const b = collate(e1[0], 0);
    b.examples.forEach((e, i) => {
      assert.equal(b.scorePos[i], e.inputIds.length - 2);
      assert.equal(
        b.mask[i].reduce((s, m) => s + m, 0),
        5,
      );
    });
  });
});
