/** Finite-difference gradient checks for scalar tensor functions. */
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';

/**
 * Compares tf.grad(f)(x) with central differences (f(x + h e_i) − f(x − h e_i)) / 2h on every
 * element of x (float32, so h ~ 1e-2 and tolerances ~ 1e-3 relative to the gradient scale).
 */
export function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, { h = 1e-2, atol = 2e-3, rtol = 2e-2 } = {}): void {
  const analytic = tf.tidy(() => tf.grad(f)(x));
  const base = x.dataSync().slice();
  const numeric = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const at = (delta: number) =>
      tf.tidy(() => {
        const v = base.slice();
        v[i] += delta;
        return f(tf.tensor(v, x.shape)).dataSync()[0];
      });
    numeric[i] = (at(h) - at(-h)) / (2 * h);
  }
  try {
    assertClose(analytic.dataSync(), numeric, { atol, rtol, message: 'analytic vs finite-difference gradient' });
  } finally {
    analytic.dispose();
  }
}
