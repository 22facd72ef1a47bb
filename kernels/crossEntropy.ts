// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// The token cross-entropy's passes over the [N, V] logits (losses/crossEntropy `weightedNll`) in one pass each way,
// a range of rows per call so that two threads can share the rows:
//  - forward, the parts of log-sum-exp: m = max_j z[r, j] and s = Σ_j e^(z[r, j] − m), summed j = 0, 1, … from 0;
//  - backward, g = ((e^(z − lse) − onehot) · w[r]) · dy.
// They replace TF.js's Max, Sub, Exp (the own kernels/exp.ts), Sum, and Sub, Exp, OneHot, Cast, Sub, Mul, Mul, with
// the same operations in the same order. The own Exp computes four lanes at a time over the whole tensor and the last
// n mod 4 floats one by one (kernels/lib/math.ts: `expVector`, `expScalar`); `vecEnd` (N·V rounded down to 4) says
// which element took which, so each element's e^x is the one that Exp gives it.

// @ts-nocheck

import { expScalar, expVector } from './lib/math';

/** e^x of the element at flat index e: the vector form before `vecEnd`, the scalar one after. */
// @ts-ignore: decorator
@inline
function expAt(x: f32, e: i32, vecEnd: i32): f32 {
  return e < vecEnd ? f32x4.extract_lane(expVector(f32x4.splat(x)), 0) : expScalar(x);
}

/**
 * For rows r0..r1−1 of z [N, V] (byte offsets in the imported memory): mx[r] = the row's maximum, se[r] = Σ_j
 * e^(z[r, j] − mx[r]) in the order j = 0 .. V−1.
 */
export function logSumExpParts(z: usize, mx: usize, se: usize, r0: i32, r1: i32, v: i32, vecEnd: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = z + ((<usize>r * <usize>v) << 2);
    let m = load<f32>(row);
    for (let j = 1; j < v; j++) {
      const x = load<f32>(row + ((<usize>j) << 2));
      if (x > m) m = x;
    }
    const mv = f32x4.splat(m);
    const e0 = r * v;
    let s: f32 = 0;
    let j = 0;
    // four at a time while the four lie before vecEnd (where Exp took them four at a time)
    for (; j + 4 <= v && e0 + j + 4 <= vecEnd; j += 4) {
      const p = expVector(f32x4.sub(v128.load(row + ((<usize>j) << 2)), mv));
      s += f32x4.extract_lane(p, 0);
      s += f32x4.extract_lane(p, 1);
      s += f32x4.extract_lane(p, 2);
      s += f32x4.extract_lane(p, 3);
    }
    for (; j < v; j++) s += expAt(load<f32>(row + ((<usize>j) << 2)) - m, e0 + j, vecEnd);
    store<f32>(mx + ((<usize>r) << 2), m);
    store<f32>(se + ((<usize>r) << 2), s);
  }
}

/**
 * For rows r0..r1−1: g[r, j] = ((e^(z[r, j] − lse[r]) − [j = tgt[r]]) · w[r]) · dy, tgt int32 (a target outside
 * [0, V) matches no column, as TF.js's one-hot gives a row of zeros).
 */
export function nllGrad(
  z: usize,
  lse: usize,
  tgt: usize,
  w: usize,
  dy: f32,
  g: usize,
  r0: i32,
  r1: i32,
  v: i32,
  vecEnd: i32,
): void {
  const dv = f32x4.splat(dy);
  for (let r = r0; r < r1; r++) {
    const at = (<usize>r * <usize>v) << 2;
    const row = z + at;
    const out = g + at;
    const l = load<f32>(lse + ((<usize>r) << 2));
    const lv = f32x4.splat(l);
    const wr = load<f32>(w + ((<usize>r) << 2));
    const wv = f32x4.splat(wr);
    const t = load<i32>(tgt + ((<usize>r) << 2));
    const e0 = r * v;
    let j = 0;
    for (; j + 4 <= v && e0 + j + 4 <= vecEnd; j += 4) {
      const off = (<usize>j) << 2;
      const p = expVector(f32x4.sub(v128.load(row + off), lv));
      v128.store(out + off, f32x4.mul(f32x4.mul(p, wv), dv)); // p − 0 = p
    }
    for (; j < v; j++) {
      const off = (<usize>j) << 2;
      store<f32>(out + off, expAt(load<f32>(row + off) - l, e0 + j, vecEnd) * wr * dy);
    }
    if (t >= 0 && t < v) {
      // the target's column: (p − 1) instead of (p − 0)
      const off = (<usize>t) << 2;
      const p = expAt(load<f32>(row + off) - l, e0 + t, vecEnd);
      store<f32>(out + off, (p - <f32>1) * wr * dy);
    }
  }
}
