import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { Rng } from '../../src/engine/rng';
import { judgeObjective, OBJECTIVES } from '../../src/losses/objective';
import { LlamaModel } from '../../src/model/llama';
import {
  buildExample,
  collate,
  emptyTruncationStats,
  epochBatches,
  type TrainExample,
} from '../../src/training/batches';
import { train, type TrainConfig } from '../../src/training/trainer';
import { useBackend } from '../helpers/backends';
import { SCORE_IDS, tinyConfig } from '../helpers/toyJudge';

/**
 * Gradient accumulation against the full batch (src/training/trainer.ts, `gradAccum`).
 *
 * The trainer sums the gradients of the micro-batches and divides by `gradAccum`, each micro-batch
 * loss being its own mean (CE over its CE tokens, squared error over its rows). That equals the
 * full-batch gradient when every micro-batch holds the same number of rows and of CE tokens; when
 * the CE token counts differ, the full batch weights each micro-batch's CE by its token count and
 * the accumulated step weights them equally (Hugging Face Trainer's behaviour before
 * `num_items_in_batch`). Both cases are checked against their mathematical values.
 */
const config = tinyConfig;
const quiet = () => undefined;

/** Toy examples; `targetLength(i)` CoT tokens before the digit and EOS (CE tokens per row: CoT + EOS). */
function examples(n: number, seed: number, cotLength: (i: number) => number): TrainExample[] {
  const rng = new Rng(seed);
  const stats = emptyTruncationStats();
  return Array.from({ length: n }, (_, i) => {
    const prompt = [1, ...Array.from({ length: 4 + rng.int(4) }, () => 10 + rng.int(9))];
    const gold = 1 + rng.int(5);
    const cot = Array.from({ length: cotLength(i) }, () => 19 + rng.int(4));
    return buildExample(`ex-${i}`, prompt, [...cot, SCORE_IDS[gold - 1], 2], gold, 32, stats)!;
  });
}

async function trainCopy(exs: TrainExample[], cfg: Partial<TrainConfig>, seed: number) {
  const model = LlamaModel.init(config(), seed);
  const res = await train({
    model,
    examples: exs,
    pad: 0,
    scoreTokenIds: SCORE_IDS,
    objective: OBJECTIVES.cotRaft,
    config: cfg,
    log: quiet,
  });
  const weights = model.trainableVariables().map((v) => v.dataSync().slice());
  model.dispose();
  return { rows: res.rows, weights };
}

/** The objective's value, parts and gradient (flattened per variable) on one batch at the model's weights. */
function objectiveAndGrad(model: LlamaModel, exs: TrainExample[]) {
  const batch = collate(exs, 0);
  const vars = model.trainableVariables();
  const parts: number[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.forward(batch.ids, { attentionMask: batch.attention, training: true });
    const o = judgeObjective(logits, batch, SCORE_IDS, OBJECTIVES.cotRaft, 0);
    parts.push(o.ce.dataSync()[0], o.score.dataSync()[0]);
    return o.total;
  }, vars);
  const g = vars.map((v) => grads[v.name].dataSync().slice());
  const total = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  const ceTokens = exs.reduce((s, e) => s + (e.inputIds.length - e.targetStart - 1), 0);
  return { total, ce: parts[0], score: parts[1], grad: g, ceTokens };
}

const norm = (gs: ArrayLike<number>[]) =>
  Math.sqrt(gs.reduce((s, g) => s + Array.from(g).reduce((t, x) => t + x * x, 0), 0));

describe('training/trainer: gradient accumulation', function () {
  this.timeout(60000);
  before(() => useBackend('wasm'));

  it('batch 8 × 1 micro-batch and 4 × 2 micro-batches: same losses, gradient norms and weights', async () => {
    // every target has 3 CoT tokens: each micro-batch holds 4 rows and 4·4 CE tokens
    const exs = examples(8, 1, () => 3);
    const common = { steps: 3, lr: 1e-2, warmupRatio: 0, seed: 5, bucketWindow: 1 };
    const full = await trainCopy(exs, { ...common, batchSize: 8, gradAccum: 1 }, 3);
    const accum = await trainCopy(exs, { ...common, batchSize: 4, gradAccum: 2 }, 3);
    // with 8 examples every step sees all of them in both runs (one epoch per step)
    for (let s = 0; s < 3; s++) {
      for (const k of ['loss', 'ce', 'score', 'gradNorm'] as const) {
        assertClose(accum.rows[s][k], full.rows[s][k], { atol: 1e-6, rtol: 1e-5, message: `step ${s + 1} ${k}` });
      }
    }
    // steps 2 and 3 mix gradients of different steps in Adam's moments, so the weights depend on
    // the gradients' direction and relative size, not only their sign
    full.weights.forEach((w, i) => {
      assertClose(accum.weights[i], w, { atol: 2e-6, rtol: 1e-5, message: `variable ${i}` });
    });
  });

  it('sums micro-batch gradients ÷ gradAccum: a sum without ÷ would double the logged gradient norm', async () => {
    const exs = examples(8, 2, () => 3);
    const model = LlamaModel.init(config(), 4);
    const whole = objectiveAndGrad(model, exs);
    model.dispose();
    const cfg = { steps: 1, lr: 1e-2, warmupRatio: 0, seed: 1, batchSize: 4, gradAccum: 2 };
    const accum = await trainCopy(exs, cfg, 4);
    assertClose(accum.rows[0].gradNorm, norm(whole.grad), { atol: 1e-6, rtol: 1e-5 });
    assertClose(accum.rows[0].loss, whole.total, { atol: 1e-6, rtol: 1e-5 });
  });

  it('unequal CE token counts: accumulation averages micro-batch means, the full batch weights by tokens', async () => {
    // 4 rows: two with 1 CoT token (2 CE tokens each), two with 6 (7 each). With batch 2 and
    // bucketing, the trainer's two micro-batches are the two short rows and the two long rows.
    const exs = examples(4, 3, (i) => (i % 2 === 0 ? 1 : 6));
    const seed = 9;
    const [a, b] = epochBatches(exs, 2, seed, 0, 8);
    const targetLength = (e: TrainExample) => e.inputIds.length - e.targetStart;
    assert.deepEqual(
      [a.map(targetLength), b.map(targetLength)].map((l) => l.sort((x, y) => x - y)),
      [
        [3, 3],
        [8, 8],
      ],
    );

    const model = LlamaModel.init(config(), 6);
    const pa = objectiveAndGrad(model, a);
    const pb = objectiveAndGrad(model, b);
    const whole = objectiveAndGrad(model, exs);
    model.dispose();
    assert.deepEqual([pa.ceTokens + pb.ceTokens, whole.ceTokens], [18, 18]);

    // the full batch: CE is the token mean, the squared error the row mean
    const n = pa.ceTokens + pb.ceTokens;
    assertClose(whole.ce, (pa.ceTokens * pa.ce + pb.ceTokens * pb.ce) / n, { atol: 1e-6, rtol: 1e-5 });
    assertClose(whole.score, (pa.score + pb.score) / 2, { atol: 1e-6, rtol: 1e-5 });

    const cfg = { steps: 1, lr: 1e-2, warmupRatio: 0, seed };
    const fullRun = await trainCopy(exs, { ...cfg, batchSize: 4, gradAccum: 1 }, 6);
    const accRun = await trainCopy(exs, { ...cfg, batchSize: 2, gradAccum: 2 }, 6);
    // the full-batch run: token-weighted
    assertClose(fullRun.rows[0].loss, whole.total, { atol: 1e-6, rtol: 1e-5 });
    assertClose(fullRun.rows[0].gradNorm, norm(whole.grad), { atol: 1e-6, rtol: 1e-5 });
    // the accumulated run: the plain mean of the two micro-batch losses and gradients
    const meanGrad = pa.grad.map((g, i) => Array.from(g, (x, j) => (x + pb.grad[i][j]) / 2));
    assertClose(accRun.rows[0].ce, (pa.ce + pb.ce) / 2, { atol: 1e-6, rtol: 1e-5 });
    assertClose(accRun.rows[0].score, (pa.score + pb.score) / 2, { atol: 1e-6, rtol: 1e-5 });
    assertClose(accRun.rows[0].gradNorm, norm(meanGrad), { atol: 1e-6, rtol: 1e-5 });
    // and the two are measurably different here (the known deviation from the full batch)
    const gap = Math.abs(accRun.rows[0].ce - fullRun.rows[0].ce);
    assert.ok(gap > 1e-3, `ce ${accRun.rows[0].ce} vs ${fullRun.rows[0].ce}`);
  });
});
