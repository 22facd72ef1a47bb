import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import fixture from '../fixtures/torch-losses.json';
import { assertClose } from '../../src/engine/asserts';
import { cotRaftLoss, findScorePositions, type CotRaftOptions } from '../../src/losses/cotRaft';
import { tokenCrossEntropy } from '../../src/losses/crossEntropy';
import { installWasmKernels, LOG_SUM_EXP_PARTS, NLL_GRAD } from '../../src/engine/wasmKernels';
import { TEST_BACKENDS, tensorsAfter, useBackend } from '../helpers/backends';
import { checkGradient } from '../helpers/gradcheck';

const ln = Math.log;

for (const backend of TEST_BACKENDS) {
  describe(`losses/cotRaft [${backend}]`, () => {
    before(() => useBackend(backend));

    describe('tokenCrossEntropy', () => {
      it('is the mean NLL over supervised tokens (hand arithmetic)', () => {
        // one row, T = 3, V = 2; probabilities chosen through logits = log(p)
        const logits = tf.log(
          tf.tensor3d([
            [
              [0.5, 0.5],
              [0.2, 0.8],
              [0.9, 0.1],
            ],
          ]),
        ) as tf.Tensor3D;
        // targets 0, 1, 1; mask 0, 1, 1: (-ln 0.8 - ln 0.1) / 2
        assertClose(tokenCrossEntropy(logits, [[0, 1, 1]], [[0, 1, 1]]), (-ln(0.8) - ln(0.1)) / 2, { atol: 1e-6 });
        assertClose(tokenCrossEntropy(logits, [[0, 1, 1]], [[1, 1, 1]]), (-ln(0.5) - ln(0.8) - ln(0.1)) / 3, {
          atol: 1e-6,
        });
        assert.throws(() => tokenCrossEntropy(logits, [[0, 1, 1]], [[0, 0, 0]]), /mask selects no token/);
        assert.throws(
          () => tokenCrossEntropy(logits, [[0, 2, 1]], [[0, 1, 1]]),
          /targets: token id 2 at flat position 1 is outside \[0, 2\)/,
        );
        assert.throws(() => tokenCrossEntropy(logits, [[0, 1]], [[0, 1, 1]]), /targets: expected shape \[1,3\]/);
        logits.dispose();
      });

      it('has the right gradient (finite differences)', () => {
        const x = tf.tensor3d([
          [
            [0.2, -0.5, 1.0],
            [0.3, 0.9, -1.1],
          ],
          [
            [-0.7, 0.4, 0.0],
            [1.2, -0.3, 0.6],
          ],
        ]);
        checkGradient(
          (z) =>
            tokenCrossEntropy(
              z as tf.Tensor3D,
              [
                [2, 1],
                [0, 0],
              ],
              [
                [1, 1],
                [0, 1],
              ],
            ),
          x,
        );
        x.dispose();
      });
    });

    describe('findScorePositions', () => {
      it('finds the second-to-last supervised token of each row', () => {
        assert.deepEqual(findScorePositions(fixture.inputIds, fixture.mask), fixture.scorePos);
        assert.deepEqual(findScorePositions([[7, 8, 9, 0]], [[0, 1, 1, 1]]), [2]);
      });

      it('throws naming the row when a target was cut to under two tokens', () => {
        assert.throws(
          () =>
            findScorePositions(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              [
                [0, 1, 1],
                [0, 0, 1],
              ],
            ),
          /row 1 has 1 supervised token\(s\)/,
        );
        assert.throws(() => findScorePositions([[1, 2]], [[0, 0]]), /row 0 has 0 supervised/);
      });
    });

    describe('cotRaftLoss', () => {
      // Hand case: B = 1, T = 4, V = 3. Tokens: "a"=0, digit "1"=1, digit "2"=2.
      // input ids [0, 0, 2, 0]: prompt "a", target "a" "2" "a"(eos); mask [0, 1, 1, 1]; scorePos 2.
      // logits[t] predicts input[t+1]: CE pairs (t=0 → 0), (t=2 → 0); t=1 predicts the digit (score term).
      const probs = [
        [0.6, 0.2, 0.2],
        [0.2, 0.3, 0.5],
        [0.7, 0.1, 0.2],
        [0.4, 0.3, 0.3],
      ];
      const hand = () => ({
        logits: tf.log(tf.tensor3d([probs])) as tf.Tensor3D,
        targets: [[0, 0, 2, 0]],
        mask: [[0, 1, 1, 1]],
        scorePos: [2],
        gold: [2],
        scoreTokenIds: [1, 2],
      });

      it('matches hand arithmetic', () => {
        const batch = hand();
        const ce = (-ln(0.6) - ln(0.7)) / 2; // the digit at t=1 is excluded
        const expected = 0.3 * 1 + 0.5 * 2; // RAIL at logits[scorePos - 1], no renormalisation
        const se = (expected - 2) ** 2;
        const out = cotRaftLoss(batch);
        assertClose(out.ce, ce, { atol: 1e-6 });
        assertClose(out.score, se, { atol: 1e-6 });
        assertClose(out.total, ce + se, { atol: 1e-6 });
        const lam = cotRaftLoss(batch, { lambda: 0.25 });
        assertClose(lam.total, ce + 0.25 * se, { atol: 1e-6 });
        const withDigit = cotRaftLoss(batch, { ceIncludesScoreToken: true });
        assertClose(withDigit.ce, (-ln(0.6) - ln(0.5) - ln(0.7)) / 3, { atol: 1e-6 });
        // officialParity with B = 1: CE / (3 supervised incl. digit - 1) = same mean; score / 1
        const parity = cotRaftLoss(batch, { reduction: 'officialParity' });
        assertClose(parity.total, ce + se, { atol: 1e-6 });
        tf.dispose([out, lam, withDigit, parity, batch.logits]);
      });

      const optionsOf = (c: (typeof fixture.cases)[number]): CotRaftOptions => ({
        lambda: c.lambda,
        ceIncludesScoreToken: c.ceIncludesScoreToken,
        reduction: c.reduction as CotRaftOptions['reduction'],
      });
      for (const c of fixture.cases) {
        it(
          `matches PyTorch (λ=${c.lambda}, ${c.reduction}, ` +
            `digit in CE: ${c.ceIncludesScoreToken}): value and gradient`,
          () => {
            const logits = tf.tensor3d(fixture.logits);
            const batch = {
              targets: fixture.inputIds,
              mask: fixture.mask,
              scorePos: fixture.scorePos,
              gold: fixture.gold,
              scoreTokenIds: fixture.scoreTokenIds,
            };
            const out = cotRaftLoss({ logits, ...batch }, optionsOf(c));
            assertClose(out.total, c.total, { atol: 1e-5, rtol: 1e-5 });
            assertClose(out.ce, c.ce, { atol: 1e-5, rtol: 1e-5 });
            assertClose(out.score, c.score, { atol: 1e-5, rtol: 1e-5 });
            const grad = tf.grad(
              (z: tf.Tensor) => cotRaftLoss({ logits: z as tf.Tensor3D, ...batch }, optionsOf(c)).total,
            )(logits);
            assertClose(grad, c.grad, { atol: 1e-6, rtol: 1e-4 });
            tf.dispose([out, grad, logits]);
          },
        );
      }

      it('has the right gradient (finite differences) for each part', () => {
        const batch = hand();
        const rest = {
          targets: batch.targets,
          mask: batch.mask,
          scorePos: batch.scorePos,
          gold: [1.5],
          scoreTokenIds: batch.scoreTokenIds,
        };
        for (const part of ['total', 'ce', 'score'] as const) {
          checkGradient((z) => cotRaftLoss({ logits: z as tf.Tensor3D, ...rest }, { lambda: 0.7 })[part], batch.logits);
        }
        batch.logits.dispose();
      });

      it('leaks no tensors over forward and backward', () => {
        const logits = tf.tensor3d(fixture.logits);
        const batch = {
          targets: fixture.inputIds,
          mask: fixture.mask,
          scorePos: fixture.scorePos,
          gold: fixture.gold,
          scoreTokenIds: fixture.scoreTokenIds,
        };
        const leaked = tensorsAfter(() => {
          const { value, grads } = tf.variableGrads(() => cotRaftLoss({ logits: v, ...batch }).total);
          tf.dispose([value, grads]);
          tf.dispose(cotRaftLoss({ logits, ...batch }));
        });
        assert.equal(leaked, 0);
        logits.dispose();
      });
      const v = tf.variable(tf.tensor3d(fixture.logits)) as tf.Variable<tf.Rank.R3>;
      after(() => v.dispose());

      it('rejects bad arguments with messages that name them', () => {
        const batch = hand();
        assert.throws(() => cotRaftLoss({ ...batch, scorePos: [0] }), /scorePos\[0\] = 0 is outside \[1, 4\)/);
        assert.throws(() => cotRaftLoss({ ...batch, scorePos: [2, 2] }), /scorePos: expected 1 positions, got 2/);
        assert.throws(
          () => cotRaftLoss({ ...batch, mask: [[0, 1, 0, 1]] }),
          /scorePos\[0\] = 2 is not a supervised position of row 0/,
        );
        assert.throws(() => cotRaftLoss(batch, { lambda: -1 }), /lambda must be a finite number >= 0/);
        assert.throws(() => cotRaftLoss(batch, { reduction: 'sum' as 'mean' }), /unknown reduction 'sum'/);
        assert.throws(() => cotRaftLoss({ ...batch, gold: [Infinity] }), /gold\[0\] = Infinity/);
        assert.throws(() => cotRaftLoss({ ...batch, targets: [[0, 0, 2]] }), /targets: expected shape \[1,4\]/);
        batch.logits.dispose();
      });
    });
  });
}

describe('losses/crossEntropy: the one-pass kernels on wasm (kernels/crossEntropy.ts)', () => {
  before(() => useBackend('wasm'));
  after(() => useBackend('wasm'));

  /** The loss and its gradient for logits [B, T, V] from a seed, as arrays. */
  function lossAndGrad(b: number, t: number, v: number, seed: number): { loss: number; grad: number[] } {
    return tf.tidy(() => {
      const logits = tf.randomNormal([b, t, v], 0, 3, 'float32', seed) as tf.Tensor3D;
      // targets anywhere in the vocabulary, one supervised token out of range (masked: it must not matter), some
      // positions not supervised
      const targets = Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => (i * 7 + j * 13) % v));
      targets[0][0] = v + 3;
      const mask = targets.map((row, i) => row.map((_, j) => (i === 0 && j === 0 ? 0 : (i + j) % 5 === 0 ? 0 : 1)));
      const f = (z: tf.Tensor) => tokenCrossEntropy(z as tf.Tensor3D, targets, mask);
      const { value, grad } = tf.valueAndGrad(f)(logits);
      return { loss: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
    });
  }

  // V a multiple of 4, V not (rows straddle Exp's groups of four), N·V not (a scalar tail), and one large enough for
  // two threads
  const shapes = [
    [2, 5, 8],
    [3, 7, 13],
    [1, 3, 5],
    [4, 64, 301],
  ];

  it('has the bits of the composed ops, forward and backward', () => {
    const calls = (name: string, f: () => void) =>
      tf.profile(f).then((p) => p.kernels.filter((k) => k.name === name).length);
    const fused = shapes.map(([b, t, v], i) => lossAndGrad(b, t, v, 60 + i));
    installWasmKernels(new Set(['ce']));
    let composed: typeof fused;
    try {
      assert.equal(tf.getKernel(NLL_GRAD, 'wasm'), undefined, 'TRACT_WASM_OFF=ce leaves it out');
      composed = shapes.map(([b, t, v], i) => lossAndGrad(b, t, v, 60 + i));
    } finally {
      installWasmKernels();
    }
    shapes.forEach((s, i) => {
      assert.equal(fused[i].loss, composed[i].loss, `[${s}]: the loss`);
      assert.deepEqual(fused[i].grad, composed[i].grad, `[${s}]: the gradient, the same bits`);
    });
    return calls(NLL_GRAD, () => lossAndGrad(2, 5, 8, 1)).then((n) => assert.equal(n, 1, 'the fused backward ran'));
  });

  it('leaves no tensor behind, and names what is wrong', () => {
    lossAndGrad(2, 5, 8, 1);
    const before = tf.memory().numTensors;
    lossAndGrad(2, 5, 8, 1);
    assert.equal(tf.memory().numTensors, before);
    const z = tf.zeros([3, 4]);
    const bad = { z, lse: tf.zeros([3]), targets: tf.zeros([2], 'int32'), w: tf.zeros([3]), dy: tf.scalar(1) };
    assert.throws(() => tf.engine().runKernel(NLL_GRAD, bad), /NllGrad: targets \[3\] int32 is required, got \[2\]/);
    assert.throws(() => tf.engine().runKernel(LOG_SUM_EXP_PARTS, { z: tf.zeros([3]) }), /LogSumExpParts: z \[N, V\]/);
    tf.dispose([z, ...Object.values(bad)]);
  });
});
