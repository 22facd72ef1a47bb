import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { assertClose, assertShape } from '../../src/engine/asserts';

describe('engine/asserts', () => {
  describe('assertClose', () => {
    it('passes within tolerance', () => {
      assertClose(1.0000005, 1, { atol: 1e-6, rtol: 0 });
      assertClose(1000.0005, 1000, { atol: 0, rtol: 1e-6 });
      assertClose(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [3, 4 + 1e-9],
        ],
      );
      assertClose(new Float32Array([0.5, 0.25]), [0.5, 0.25]);
      assertClose(Infinity, Infinity);
      assertClose([NaN, 1], [NaN, 1], { equalNan: true });
    });

    it('fails just outside the tolerance, naming the worst element', () => {
      assert.throws(() => assertClose(1.000002, 1, { atol: 1e-6, rtol: 0 }), /not close.*actual 1.000002, expected 1/);
      assert.throws(
        () => assertClose([1, 2, 3], [1, 2.5, 3.1], { atol: 0.01, rtol: 0 }),
        /2 of 3 values not close \(worst at flat index 1\)/,
      );
      // atol + rtol * |expected| is the bound: 0.1 + 0.1 * 1 = 0.2
      assertClose(1.19, 1, { atol: 0.1, rtol: 0.1 });
      assert.throws(() => assertClose(1.21, 1, { atol: 0.1, rtol: 0.1 }));
    });

    it('fails on NaN, infinities against finite values, and shape mismatches', () => {
      assert.throws(() => assertClose(NaN, NaN), /not close/);
      assert.throws(() => assertClose(NaN, 1, { atol: 1e9 }), /not close/);
      assert.throws(() => assertClose(Infinity, 1e300, { atol: 1e9, rtol: 1 }), /not close/);
      assert.throws(() => assertClose(-Infinity, Infinity), /not close/);
      assert.throws(() => assertClose([1, 2], [1, 2, 3]), /shape mismatch/);
      assert.throws(() => assertClose([[1, 2]], [1, 2]), /shape mismatch/);
      assert.throws(() => assertClose(1, [1]), /shape mismatch/);
      assert.throws(() => assertClose([[1], [2, 3]] as number[][], [[1], [2]]), /ragged/);
    });

    it('reads tensors and prefixes its message', () => {
      const t = tf.tensor2d([
        [1, 2],
        [3, 4],
      ]);
      assertClose(t, [
        [1, 2],
        [3, 4],
      ]);
      assert.throws(
        () =>
          assertClose(
            t,
            [
              [1, 2],
              [3, 5],
            ],
            { message: 'logits' },
          ),
        /^Error: logits: 1 of 4/,
      );
      t.dispose();
    });
  });

  describe('assertShape', () => {
    it('accepts wildcards and names the argument on mismatch', () => {
      const t = tf.zeros([2, 3]);
      assertShape(t, [2, null], 'logits');
      assert.throws(() => assertShape(t, [2, 3, null], 'logits'), /logits: expected shape \[2, 3, \*\], got \[2, 3\]/);
      assert.throws(() => assertShape(t, [3, null], 'gold'), /^Error: gold:/);
      t.dispose();
    });
  });
});
