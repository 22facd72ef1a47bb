// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// The rotary embedding of training and prompt forwards, x·cos + rot(x)·sin, and its gradient, one pass each. The
// rotation rot(x) = x·R, R the signed permutation of model/rope `ropeTables`:
//   half split:   rot(x) = [−x₂, x₁]                (x₁, x₂ the two halves of a head)
//   interleaved:  rot(x)[2i] = −x[2i+1], rot(x)[2i+1] = x[2i]
// with gradient dy·Rᵀ = −rot(dy). TF.js computes x·R as a product over the whole head (hd² multiply-adds per row
// instead of hd moves); a product sums from +0 and adds exact zeros, so its result is 0 + (±x), which this computes.

// @ts-nocheck

/**
 * The whole rotary embedding of rows r0..r1−1 of x [R, d] (R = B·T·H rows; cos and sin [B·T, d], one table row per h
 * rows of x), or its gradient (`backward` 1, x being dy), in one pass:
 *   forward   out = x·cos + (0 + rot(x))·sin
 *   backward  out = dy·cos + (0 − rot(dy·sin))        (the gradient of both terms, as TF.js adds them)
 * each operation the one TF.js's Mul, Add and the product by R compute, in their order.
 */
export function rope(
  x: usize,
  cos: usize,
  sin: usize,
  out: usize,
  r0: i32,
  r1: i32,
  h: i32,
  d: i32,
  halfSplit: i32,
  backward: i32,
): void {
  const half = d >> 1;
  const zero = f32x4.splat(0);
  const one4 = f32x4.splat(1);
  const minus4 = f32x4.splat(-1);
  for (let r = r0; r < r1; r++) {
    const row = (<usize>r * <usize>d) << 2;
    const xr = x + row;
    const or = out + row;
    const table = (<usize>(r / h) * <usize>d) << 2;
    const cr = cos + table;
    const sr = sin + table;
    if (halfSplit && (half & 3) === 0) {
      const hb = (<usize>half) << 2;
      for (let j: usize = 0; j < hb; j += 16) {
        const lo = v128.load(xr + j);
        const hi = v128.load(xr + hb + j);
        if (backward) {
          // rot(z) = [−z₂, z₁], so −rot(z) = [z₂, −z₁], z = dy·sin
          const zLo = f32x4.mul(lo, v128.load(sr + j));
          const zHi = f32x4.mul(hi, v128.load(sr + hb + j));
          const rLo = f32x4.add(zero, f32x4.mul(zHi, one4));
          const rHi = f32x4.add(zero, f32x4.mul(zLo, minus4));
          v128.store(or + j, f32x4.add(f32x4.mul(lo, v128.load(cr + j)), rLo));
          v128.store(or + hb + j, f32x4.add(f32x4.mul(hi, v128.load(cr + hb + j)), rHi));
        } else {
          const rLo = f32x4.add(zero, f32x4.mul(hi, minus4));
          const rHi = f32x4.add(zero, f32x4.mul(lo, one4));
          v128.store(or + j, f32x4.add(f32x4.mul(lo, v128.load(cr + j)), f32x4.mul(rLo, v128.load(sr + j))));
          const outHi = f32x4.add(f32x4.mul(hi, v128.load(cr + hb + j)), f32x4.mul(rHi, v128.load(sr + hb + j)));
          v128.store(or + hb + j, outHi);
        }
      }
      continue;
    }
    for (let j = 0; j < d; j++) {
      let src = 0;
      let c: f32 = 1;
      if (halfSplit) {
        if (j < half) {
          src = j + half;
          c = -1;
        } else src = j - half;
      } else if ((j & 1) === 0) {
        src = j + 1;
        c = -1;
      } else src = j - 1;
      const jo = (<usize>j) << 2;
      const so = (<usize>src) << 2;
      const xj = load<f32>(xr + jo);
      let y: f32;
      if (backward) {
        const z: f32 = load<f32>(xr + so) * load<f32>(sr + so);
        y = xj * load<f32>(cr + jo) + (<f32>0 + z * -c);
      } else {
        const rj: f32 = <f32>0 + load<f32>(xr + so) * c;
        y = xj * load<f32>(cr + jo) + rj * load<f32>(sr + jo);
      }
      store<f32>(or + jo, y);
    }
  }
}
