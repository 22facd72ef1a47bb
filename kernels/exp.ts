// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// e^x elementwise, four lanes at a time (kernels/lib/math.ts): the cross-entropy over the vocabulary (log-sum-exp and
// its gradient) runs it on [tokens, vocab] logits, where tfjs-backend-wasm calls the C library's exp once per float
// (~7.5 ns here).

// @ts-nocheck

import { expScalar, expVector } from './lib/math';

/** y[i] = e^x[i] for `n` floats (byte offsets in the imported memory; y may alias x). */
export function exp(x: usize, y: usize, n: i32): void {
  const vecBytes = (<usize>(n & ~3)) << 2;
  const bytes = (<usize>n) << 2;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(y + i, expVector(v128.load(x + i)));
  for (; i < bytes; i += 4) store<f32>(y + i, expScalar(load<f32>(x + i)));
}
