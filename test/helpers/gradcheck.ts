/** Finite-difference gradient checks for scalar tensor functions. */
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';

/**
 * Compares tf.grad(f)(x) with central differences (f(x + h e_i) − f(x − h e_i)) / 2h on every
 * element of x (float32, so h ~ 1e-2 and tolerances ~ 1e-3 relative to the gradient scale).
 */
export function checkGradient(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  { h = 1e-2, atol = 2e-3, rtol = 2e-2 } = {},
): void {
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

/**
 * Compares the gradient of `loss` with respect to the first `count` entries of a variable with
 * central differences obtained by assigning perturbed values to the variable. Fails if every checked
 * entry has a zero gradient (the check would then prove nothing).
 */
export function checkVariableGradient(
  loss: () => tf.Scalar,
  v: tf.Variable,
  { offset = 0, count = 6, h = 1e-2, atol = 3e-3, rtol = 3e-2 } = {},
): void {
  const { grads, value } = tf.variableGrads(loss, [v]);
  const analytic = Array.from(
    Object.values(grads)[0]
      .dataSync()
      .slice(offset, offset + count),
  );
  tf.dispose([value, grads]);
  const base = v.dataSync().slice();
  const at = (i: number, delta: number) => {
    const vals = base.slice();
    vals[offset + i] += delta;
    v.assign(tf.tensor(vals, v.shape));
    return tf.tidy(() => loss().dataSync()[0]);
  };
  const numeric = analytic.map((_, i) => (at(i, h) - at(i, -h)) / (2 * h));
  v.assign(tf.tensor(base, v.shape));
  assertClose(analytic, numeric, { atol, rtol, message: 'analytic vs finite-difference gradient' });
  if (analytic.every((g) => Math.abs(g) < 1e-6))
    throw new Error('checkVariableGradient: every checked gradient is zero (check entries that affect the loss)');
}
