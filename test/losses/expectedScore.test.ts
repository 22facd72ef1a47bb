import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import fixture from '../fixtures/torch-losses.json';
import { assertClose } from '../../src/engine/asserts';
import { expectedScore, scoreProbabilities } from '../../src/losses/expectedScore';
import { raftLoss } from '../../src/losses/raft';
import { TEST_BACKENDS, tensorsAfter, useBackend } from '../helpers/backends';
import { checkGradient } from '../helpers/gradcheck';

for (const backend of TEST_BACKENDS) {
  describe(`losses/expectedScore and raftLoss [${backend}]`, () => {
    before(() => useBackend(backend));

    // V = 3, score ids [0, 1], grid [1, 2]
    const rows = () =>
      tf.log(
        tf.tensor2d([
          [0.5, 0.25, 0.25],
          [0.1, 0.8, 0.1],
        ]),
      ) as tf.Tensor2D;

    it('computes RAIL without renormalisation (hand arithmetic)', () => {
      const logits = rows();
      // row 1: 0.5*1 + 0.25*2 = 1.0; row 2: 0.1*1 + 0.8*2 = 1.7
      assertClose(expectedScore(logits, [0, 1]), [0.5 * 1 + 0.25 * 2, 0.1 * 1 + 0.8 * 2], { atol: 1e-6 });
      assertClose(
        scoreProbabilities(logits, [0, 1]),
        [
          [0.5, 0.25],
          [0.1, 0.8],
        ],
        { atol: 1e-6 },
      );
      // renormalised: 1.0 / 0.75 and 1.7 / 0.9
      assertClose(expectedScore(logits, [0, 1], undefined, { renormalize: true }), [1.0 / 0.75, 1.7 / 0.9], {
        atol: 1e-6,
      });
      // a custom grid
      assertClose(expectedScore(logits, [0, 1], [0, 10]), [0.25 * 10, 0.8 * 10], { atol: 1e-5 });
      tf.dispose(logits);
    });

    it('raftLoss = (1 + 0.09) / 2 on the hand case (pins the no-renormalisation rule)', () => {
      const logits = rows();
      // (1.0 - 2)^2 = 1, (1.7 - 2)^2 = 0.09
      assertClose(raftLoss(logits, [0, 1], [2, 2]), (1 + 0.09) / 2, { atol: 1e-6 });
      assertClose(raftLoss(logits, [0, 1], [2, 2], { reduction: 'sum' }), 1 + 0.09, { atol: 1e-6 });
      assertClose(raftLoss(logits, [0, 1], tf.tensor1d([2, 2])), 0.545, { atol: 1e-6 });
      tf.dispose(logits);
    });

    it('matches PyTorch on the score positions of the fixture', () => {
      const logits = tf.tensor2d(fixture.expectedScore.rows);
      assertClose(expectedScore(logits, fixture.scoreTokenIds), fixture.expectedScore.plain, {
        atol: 1e-5,
        rtol: 1e-5,
      });
      assertClose(
        expectedScore(logits, fixture.scoreTokenIds, undefined, { renormalize: true }),
        fixture.expectedScore.renormalized,
        { atol: 1e-5, rtol: 1e-5 },
      );
      logits.dispose();
    });

    it('has the right gradient (finite differences), plain and renormalised', () => {
      const x = tf.tensor2d([
        [0.3, -1.2, 0.8, 0.1],
        [1.5, 0.2, -0.4, -2.0],
      ]);
      checkGradient((z) => raftLoss(z as tf.Tensor2D, [1, 3, 0], [2.5, 1]), x);
      checkGradient((z) => raftLoss(z as tf.Tensor2D, [1, 3, 0], [2.5, 1], { renormalize: true }), x);
      x.dispose();
    });

    it('leaks no tensors', () => {
      const x = tf.tensor2d([
        [0.3, -1.2, 0.8],
        [1.5, 0.2, -0.4],
      ]);
      const leaked = tensorsAfter(() => {
        tf.grad((z: tf.Tensor) => raftLoss(z as tf.Tensor2D, [0, 2], [1, 2]))(x).dispose();
        raftLoss(x, [0, 2], [1, 2]).dispose();
      });
      assert.equal(leaked, 0);
      x.dispose();
    });

    it('rejects bad arguments with messages that name them', () => {
      const x = tf.zeros([2, 4]) as tf.Tensor2D;
      assert.throws(() => raftLoss(x, [0, 4], [1, 2]), /scoreTokenIds\[1\] = 4 is not a token id in \[0, 4\)/);
      assert.throws(() => raftLoss(x, [1, 1], [1, 2]), /scoreTokenIds\[1\] = 1 is repeated/);
      assert.throws(() => raftLoss(x, [0, 1], [1]), /gold: expected 2 scores, got 1/);
      assert.throws(() => raftLoss(x, [0, 1], [1, NaN]), /gold\[1\] = NaN/);
      assert.throws(() => expectedScore(x, [0, 1], [1]), /grid has 1 values but scoreTokenIds has 2/);
      assert.throws(
        () => raftLoss(tf.zeros([2, 3, 4]) as unknown as tf.Tensor2D, [0], [1, 2]),
        /logits: expected shape \[\*, \*\], got \[2, 3, 4\]/,
      );
      x.dispose();
    });
  });
}
