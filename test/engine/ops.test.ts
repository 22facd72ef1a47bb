import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import { gatherRows, oneHotFloat } from '../../src/engine/ops';
import { TEST_BACKENDS, tensorsAfter, useBackend } from '../helpers/backends';

for (const backend of TEST_BACKENDS) {
  describe(`engine/ops [${backend}]`, () => {
    before(() => useBackend(backend));

    it('gatherRows picks rows and adds up the gradients of repeated rows', () => {
      const x = tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      const rows = tf.tensor1d([2, 0, 2], 'int32');
      assertClose(gatherRows(x, rows), [
        [5, 6],
        [1, 2],
        [5, 6],
      ]);
      // d/dx Σ (w ⊙ gatherRows(x)) with weights w per output row
      const w = tf.tensor2d([
        [1, 10],
        [100, 1000],
        [2, 20],
      ]);
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(gatherRows(z as tf.Tensor2D, rows), w)))(x);
      assertClose(g, [
        [100, 1000],
        [0, 0],
        [1 + 2, 10 + 20],
      ]);
      assert.equal(
        tensorsAfter(() =>
          tf
            .grad((z: tf.Tensor) => tf.sum(gatherRows(z as tf.Tensor2D, rows)))(x)
            .dispose(),
        ),
        0,
      );
      tf.dispose([x, rows, w, g]);
    });

    it('gatherRows rejects float indices', () => {
      const x = tf.zeros([2, 2]) as tf.Tensor2D;
      assert.throws(() => gatherRows(x, tf.tensor1d([0])), /rows must be an int32 vector/);
      x.dispose();
    });

    it('oneHotFloat is a float32 one-hot matrix', () => {
      const m = oneHotFloat(tf.tensor1d([2, 0], 'int32'), 3);
      assert.equal(m.dtype, 'float32');
      assertClose(m, [
        [0, 0, 1],
        [1, 0, 0],
      ]);
      m.dispose();
    });
  });
}
