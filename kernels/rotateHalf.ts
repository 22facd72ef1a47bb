// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32` are AssemblyScript's types.
//
// The rotation of the rotary embedding, rot(x) = x·R with R the signed permutation of model/rope `ropeTables`:
//   half split:   rot(x) = [−x₂, x₁]                (x₁, x₂ the two halves of a head)
//   interleaved:  rot(x)[2i] = −x[2i+1], rot(x)[2i+1] = x[2i]
// and its gradient dy·Rᵀ = −rot(dy). TF.js computes x·R as a product over the whole head (hd² multiply-adds per row
// instead of hd moves); a product sums from +0 and adds exact zeros, so its result is 0 + (±x), which this computes.

// @ts-nocheck

/**
 * out = sign · rot(x) + 0 for rows r0..r1−1 of `d` floats (byte offsets in the imported memory), `sign` ±1,
 * `halfSplit` 1 for the half-split layout (four lanes at a time when the half is a multiple of 4), 0 for the
 * interleaved one.
 */
export function rotateHalf(x: usize, out: usize, r0: i32, r1: i32, d: i32, halfSplit: i32, sign: f32): void {
  const half = d >> 1;
  const neg: f32 = -sign;
  const zero = f32x4.splat(0);
  const pos4 = f32x4.splat(sign);
  const neg4 = f32x4.splat(neg);
  for (let r = r0; r < r1; r++) {
    const xr = x + ((<usize>r * <usize>d) << 2);
    const or = out + ((<usize>r * <usize>d) << 2);
    if (halfSplit && (half & 3) === 0) {
      const hb = (<usize>half) << 2;
      for (let j: usize = 0; j < hb; j += 16) {
        v128.store(or + j, f32x4.add(zero, f32x4.mul(v128.load(xr + hb + j), neg4)));
        v128.store(or + hb + j, f32x4.add(zero, f32x4.mul(v128.load(xr + j), pos4)));
      }
      continue;
    }
    for (let j = 0; j < d; j++) {
      let src = 0;
      let c: f32 = sign;
      if (halfSplit) {
        if (j < half) {
          src = j + half;
          c = neg;
        } else src = j - half;
      } else if ((j & 1) === 0) {
        src = j + 1;
        c = neg;
      } else src = j - 1;
      store<f32>(or + ((<usize>j) << 2), <f32>0 + load<f32>(xr + ((<usize>src) << 2)) * c);
    }
  }
}
