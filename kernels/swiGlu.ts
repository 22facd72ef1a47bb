// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32` are AssemblyScript's types.
//
// The gate of the SwiGLU MLP of a decoding step in one call:
//   out = silu(gate) ⊙ up = (gate · σ(gate)) ⊙ up,   σ(x) = 1 / (1 + e^−x)
// TF.js composes it of three kernels (a sigmoid and two products); with the threaded build each is also a wake-up
// of the thread pool for a few hundred numbers.

// @ts-nocheck

/** e^x in float32 without tables (the module has no memory of its own): 2^n · e^r, |r| ≤ ln2/2, degree-6 series. */
@inline
function expf(x: f32): f32 {
  if (x < <f32>-87.0) return 0;
  if (x > <f32>88.0) x = <f32>88.0;
  const n: f32 = nearest<f32>(x * <f32>1.4426950408889634);
  const r: f32 = x - n * <f32>0.693145751953125 - n * <f32>1.428606765330187e-6; // ln 2 in two parts (Cody-Waite)
  let p: f32 = <f32>0.001388888888888889;
  p = p * r + <f32>0.008333333333333333;
  p = p * r + <f32>0.041666666666666664;
  p = p * r + <f32>0.16666666666666666;
  p = p * r + <f32>0.5;
  p = p * r + <f32>1.0;
  p = p * r + <f32>1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/** out[i] = gate[i] · σ(gate[i]) · up[i] for `n` floats (byte offsets in the imported memory). */
export function swiGlu(gate: usize, up: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(gate + o);
    const s: f32 = <f32>1.0 / (<f32>1.0 + expf(-g));
    store<f32>(out + o, g * s * load<f32>(up + o));
  }
}
