/** Runs tensor tests on each CPU backend: forward and backward must work on both. */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/engine/backend';

/** The backends every tensor op is tested on (wasm is the CPU default, cpu the reference). */
export const TEST_BACKENDS: BackendName[] = ['cpu', 'wasm'];

/** Activates a backend, ignoring TRACT_BACKEND (tests pin their backend). */
export async function useBackend(name: BackendName): Promise<void> {
  const report = await initBackend({ prefer: name, env: {} });
  if (report.chosen !== name || tf.getBackend() !== name) throw new Error(`could not activate backend ${name}`);
}

/** Asserts that `fn` creates no lasting tensors (after a burn-in call), allowing `expectedExtra`. */
export function tensorsAfter(fn: () => void): number {
  fn(); // burn-in: lazily created state
  const before = tf.memory().numTensors;
  fn();
  return tf.memory().numTensors - before;
}
