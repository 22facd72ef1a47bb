// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32` are AssemblyScript's types.
//
// The gate of the SwiGLU MLP of a decoding step in one call:
//   out = silu(gate) ⊙ up = (gate · σ(gate)) ⊙ up,   σ(x) = 1 / (1 + e^−x)
// TF.js composes it of three kernels (a sigmoid and two products); with the threaded build each is also a wake-up
// of the thread pool for a few hundred numbers.

// @ts-nocheck

import { expDecode as expf } from './lib/math';

/** out[i] = gate[i] · σ(gate[i]) · up[i] for `n` floats (byte offsets in the imported memory). */
export function swiGlu(gate: usize, up: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(gate + o);
    const s: f32 = <f32>1.0 / (<f32>1.0 + expf(-g));
    store<f32>(out + o, g * s * load<f32>(up + o));
  }
}
