// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// RMSNorm over the last axis in one pass per row (a decoding step runs it twice per layer and once before the head):
//   out = x · (1 / sqrt(mean(x²) + eps)) · w          x and out [rows, d], w [d]
// TF.js composes it of six kernels (square, mean, add, rsqrt and two products), each a call of ~10 µs of JavaScript
// for a few hundred numbers.

// @ts-nocheck

/**
 * out[r, :] = x[r, :] · rsqrt(Σ x[r, :]² / d + eps) · w for `rows` rows of `d` floats (byte offsets of x, w and out
 * in the imported memory; out may alias x). The sum of squares runs four lanes wide, then over the lanes, then the
 * tail; the scaling is x·r first, then ·w, as TF.js multiplies.
 */
export function rmsNorm(x: usize, w: usize, out: usize, rows: i32, d: i32, eps: f32): void {
  const rowBytes = (<usize>d) << 2;
  const vecBytes = (<usize>(d & ~3)) << 2;
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r) * rowBytes;
    const xr = x + off;
    const or = out + off;
    let acc = f32x4.splat(0);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) {
      const v = v128.load(xr + j);
      acc = f32x4.add(acc, f32x4.mul(v, v));
    }
    let ss: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
    ss += f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (let k = j; k < rowBytes; k += 4) {
      const v = load<f32>(xr + k);
      ss += v * v;
    }
    const inv: f32 = <f32>1.0 / sqrt<f32>(ss / <f32>d + eps);
    const s = f32x4.splat(inv);
    for (j = 0; j < vecBytes; j += 16) v128.store(or + j, f32x4.mul(f32x4.mul(v128.load(xr + j), s), v128.load(w + j)));
    for (let k = j; k < rowBytes; k += 4) store<f32>(or + k, load<f32>(xr + k) * inv * load<f32>(w + k));
  }
}
