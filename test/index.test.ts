import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as api from '../src';

/**
 * The public API (src/index.ts) on small hand-computed values: a re-export of the wrong function
 * (say `spearman` as `pearson`) or a broken one fails here, not only a missing name.
 */
const ln = Math.log;
const close = (actual: number, expected: number, tol = 1e-6, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);

describe('public API (src/index.ts)', () => {
  before(async () => {
    await api.initBackend({ prefer: 'wasm', env: {} });
  });

  it('metrics: Pearson, Spearman, Kendall τ-b, RMSE and dropInvalid on hand values', () => {
    // x = 1, 2, 3; y = 2, 4, 7: deviations (−1, 0, 1) and (−7/3, −1/3, 8/3); Σ dx·dy = 5,
    // Σ dx² = 2, Σ dy² = 114/9 → r = 5 / √(2 · 114 / 9) = 15 / √228
    close(api.pearson([1, 2, 3], [2, 4, 7]), 15 / Math.sqrt(228), 1e-12, 'pearson');
    close(api.spearman([1, 2, 3], [2, 4, 7]), 1, 1e-12, 'spearman'); // monotone
    // pairs (1,2), (1,3), (2,3) of y = 1, 3, 2: concordant, concordant, discordant → (2 − 1) / 3
    close(api.kendallTauB([1, 2, 3], [1, 3, 2]), 1 / 3, 1e-12, 'kendall');
    // 1 − 6Σd² / (n(n² − 1)) with one swap: Σd² = 2, n = 4
    close(api.spearman([1, 2, 3, 4], [1, 3, 2, 4]), 1 - (6 * 2) / (4 * 15), 1e-12, 'spearman with a swap');
    close(api.rmse([1, 2], [1, 4]), Math.SQRT2, 1e-12, 'rmse');
    assert.deepEqual(api.rankAverage([10, 20, 20, 5]), Float64Array.from([2, 3.5, 3.5, 1]));
    const kept = api.dropInvalid([1, null, 3, NaN], [4, 5, 6, 7]);
    assert.deepEqual([kept.x, kept.y, kept.dropped], [[1, 3], [4, 6], 2]);
    assert.equal(api.quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    const ci = api.bootstrapCI(api.pearson, [1, 2, 3, 4, 5], [2, 1, 4, 3, 5], { samples: 50, seed: 1 });
    close(ci.estimate, 0.8, 1e-12, 'bootstrap estimate = pearson'); // Σ dx·dy = 8, Σ dx² = Σ dy² = 10
    assert.ok(ci.lower <= ci.estimate && ci.estimate <= ci.upper);
  });

  it('losses: RAIL, RAFT, token CE and CoT-RAFT on hand values', () => {
    // V = 3, score ids [0, 1]: RAIL = 0.5·1 + 0.25·2 = 1 and 0.1·1 + 0.8·2 = 1.7 (no renormalisation)
    const logits = tf.log(
      tf.tensor2d([
        [0.5, 0.25, 0.25],
        [0.1, 0.8, 0.1],
      ]),
    ) as tf.Tensor2D;
    const rail = api.expectedScore(logits, [0, 1]);
    const probs = api.scoreProbabilities(logits, [0, 1]);
    const raft = api.raftLoss(logits, [0, 1], [2, 2]);
    const se = api.raftSquaredErrors(logits, [0, 1], [2, 2]);
    Array.from(rail.dataSync()).forEach((v, i) => {
      close(v, [1, 1.7][i], 1e-6, 'RAIL');
    });
    Array.from(probs.dataSync()).forEach((v, i) => {
      close(v, [0.5, 0.25, 0.1, 0.8][i], 1e-6, 'p(k)');
    });
    close(raft.dataSync()[0], (1 + 0.09) / 2, 1e-6, 'raftLoss');
    Array.from(se.dataSync()).forEach((v, i) => {
      close(v, [1, 0.09][i], 1e-6, 'squared errors');
    });
    const seq = tf.log(
      tf.tensor3d([
        [
          [0.5, 0.5],
          [0.2, 0.8],
          [0.9, 0.1],
        ],
      ]),
    ) as tf.Tensor3D;
    close(api.tokenCrossEntropy(seq, [[0, 1, 1]], [[0, 1, 1]]).dataSync()[0], (-ln(0.8) - ln(0.1)) / 2, 1e-6, 'CE');
    assert.deepEqual(api.findScorePositions([[7, 8, 9, 0]], [[0, 1, 1, 1]]), [2]);
    // ids [0, 0, 2, 0], mask [0, 1, 1, 1], digit at 2: CE on t = 0 → 0 and t = 2 → 0; RAIL at t = 1
    const p = [
      [0.6, 0.2, 0.2],
      [0.2, 0.3, 0.5],
      [0.7, 0.1, 0.2],
      [0.4, 0.3, 0.3],
    ];
    const cot = api.cotRaftLoss({
      logits: tf.log(tf.tensor3d([p])) as tf.Tensor3D,
      targets: [[0, 0, 2, 0]],
      mask: [[0, 1, 1, 1]],
      scorePos: [2],
      gold: [2],
      scoreTokenIds: [1, 2],
    });
    const ce = (-ln(0.6) - ln(0.7)) / 2;
    const sq = (0.3 * 1 + 0.5 * 2 - 2) ** 2;
    close(cot.ce.dataSync()[0], ce, 1e-6, 'CoT-RAFT ce');
    close(cot.score.dataSync()[0], sq, 1e-6, 'CoT-RAFT score');
    close(cot.total.dataSync()[0], ce + sq, 1e-6, 'CoT-RAFT total');
    tf.dispose([logits, rail, probs, raft, se, seq, cot.ce, cot.score, cot.total]);
  });

  it("objectives, methods and the trainer's defaults are TRACT's", () => {
    assert.deepEqual(api.OBJECTIVES.cotRaft, {
      ceWeight: 1,
      lambda: 1,
      ceIncludesScoreToken: false,
      reduction: 'mean',
      lambdaRampSteps: 0,
    });
    assert.equal(api.OBJECTIVES.raft.ceWeight, 0);
    assert.equal(api.OBJECTIVES.ce.lambda, 0);
    const tract = api.methodSpec('tract');
    assert.equal(tract, api.METHODS.tract);
    assert.deepEqual(
      [tract.prompt, tract.decoding, tract.stages.map((s) => `${s.name}:${s.data}:${s.objective}`)],
      ['cot', 'cot-rail', ['stage1:reference:cotRaft', 'stage2:self:cotRaft']],
    );
    const cfg = api.resolveTrainConfig({ lr: 2e-5 });
    assert.deepEqual([cfg.lr, cfg.beta1, cfg.beta2, cfg.warmupRatio, cfg.gradAccum], [2e-5, 0.9, 0.999, 0.1, 1]);
    assert.equal(api.DEFAULT_TRAIN.maxGradNorm, 1);
    assert.throws(() => api.resolveTrainConfig({ nope: 1 } as never), /unknown key 'nope'/);
  });

  it('parseScore reads the last marker; isParsed tells scores from failures', () => {
    const ok = api.parseScore('Good answer. So the overall score is 4');
    assert.deepEqual(ok, { score: 4, marker: 'So the overall score is' });
    assert.ok(api.isParsed(ok));
    assert.deepEqual(api.parseScore('[RESULT] 2 ... [RESULT] 5'), { score: 5, marker: '[RESULT]' });
    assert.ok(!api.isParsed(api.parseScore('no score here')));
  });

  it('model: a tiny Llama forward has shape [B, T, V], and parameterCount counts every weight', () => {
    const config = api.makeConfig({
      dim: 8,
      nLayers: 2,
      nHeads: 2,
      nKvHeads: 1,
      hiddenDim: 12,
      vocabSize: 20,
      maxSeqLen: 16,
    });
    // per layer: q 8·8 + k, v 2·8·4 + o 8·8 + MLP 3·8·12 + two norms 2·8 = 64 + 64 + 64 + 288 + 16 = 496;
    // embedding and untied head 2·20·8 = 320; final norm 8 → 320 + 2·496 + 8 = 1320
    assert.equal(api.parameterCount(config), 1320);
    const model = api.LlamaModel.init(config, 3);
    assert.equal(
      model.trainableVariables().reduce((s, v) => s + v.size, 0),
      1320,
    );
    const logits = model.forward([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    assert.deepEqual(logits.shape, [2, 4, 20]);
    const twin = api.LlamaModel.init(config, 3);
    const again = twin.forward([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    assert.deepEqual(Array.from(again.dataSync()), Array.from(logits.dataSync()), 'init is a function of the seed');
    tf.dispose([logits, again]);
    for (const m of [model, twin]) m.dispose();
  });

  it('tokenizer: the stories260K score tokens, and a seeded random stream', () => {
    const tok = api.Llama2cTokenizer.fromFile(join(__dirname, '..', 'models', 'stories260K', 'tok512.bin'));
    assert.deepEqual(api.scoreTokenIds(tok), [475, 479, 472, 484, 480]);
    assert.equal(api.SCORE_PREFIX, 'So the overall score is');
    const jt = new api.JudgeTokens(tok);
    assert.deepEqual(jt.scoreOnlyTarget(3), [410, 472, 2]); // " " + "3" + EOS
    const a = new api.Rng('x');
    const b = new api.Rng('x');
    const draws = [a.uniform(), a.int(10), a.normal()];
    assert.deepEqual([b.uniform(), b.int(10), b.normal()], draws);
    assert.notEqual(new api.Rng('y').uniform(), draws[0]);
  });
});
