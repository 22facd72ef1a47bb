// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
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

/**
 * The gradients of out = (gate · s) · up, s = σ(gate) computed by TF.js's Sigmoid, for `n` floats in [e0, e1) (a part,
 * so that two threads can share the work): the operations of TF.js's gradients of the two products and the sigmoid,
 * in their order and grouping,
 *   dA = dy·up,  dUp = dy·(gate·s),  dGate = dA·s + (dA·gate)·(s·(1 − s)),
 * so their bits.
 */
export function swiGluGrad(
  dy: usize,
  gate: usize,
  up: usize,
  s: usize,
  dGate: usize,
  dUp: usize,
  e0: i32,
  e1: i32,
): void {
  const one = f32x4.splat(1);
  const vecEnd = e0 + ((e1 - e0) & ~3);
  let e = e0;
  for (; e < vecEnd; e += 4) {
    const o = (<usize>e) << 2;
    const d = v128.load(dy + o);
    const g = v128.load(gate + o);
    const sv = v128.load(s + o);
    const dA = f32x4.mul(d, v128.load(up + o));
    v128.store(dUp + o, f32x4.mul(d, f32x4.mul(g, sv)));
    const dS = f32x4.mul(dA, g);
    v128.store(dGate + o, f32x4.add(f32x4.mul(dA, sv), f32x4.mul(dS, f32x4.mul(sv, f32x4.sub(one, sv)))));
  }
  for (; e < e1; e++) {
    const o = (<usize>e) << 2;
    const d = load<f32>(dy + o);
    const g = load<f32>(gate + o);
    const sv = load<f32>(s + o);
    const dA: f32 = d * load<f32>(up + o);
    store<f32>(dUp + o, d * (g * sv));
    const dS: f32 = dA * g;
    store<f32>(dGate + o, dA * sv + dS * (sv * (<f32>1 - sv)));
  }
}
