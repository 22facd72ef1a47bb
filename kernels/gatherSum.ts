// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// Two memory-bound kernels of a training step that tfjs-backend-wasm 4.22 runs element by element:
//  - `gatherSlices`: a gather along one axis (an embedding lookup, the rotary tables' rows), slice by slice;
//  - `columnSum`: a sum over the leading axes (the weight gradients of RMSNorm and of broadcast products), which the
//    stock kernel computes after a transposed copy.

// @ts-nocheck

/**
 * out[o, i, :] = x[o, idx[i], :] for o < outer and i < n: slices of `slice` 4-byte elements (floats or int32s), x
 * [outer, dim, slice], idx [n] int32 (already checked to lie in [0, dim)), out [outer, n, slice].
 */
export function gatherSlices(x: usize, idx: usize, out: usize, outer: i32, dim: i32, n: i32, slice: i32): void {
  const sliceBytes = (<usize>slice) << 2;
  const vecBytes = (<usize>(slice & ~3)) << 2;
  let dst = out;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o) * (<usize>dim) * sliceBytes;
    for (let i = 0; i < n; i++) {
      const src = base + (<usize>load<i32>(idx + ((<usize>i) << 2))) * sliceBytes;
      let j: usize = 0;
      for (; j < vecBytes; j += 16) v128.store(dst + j, v128.load(src + j));
      for (; j < sliceBytes; j += 4) store<i32>(dst + j, load<i32>(src + j));
      dst += sliceBytes;
    }
  }
}

/**
 * Columns c0..c1−1 of out[c] = Σ_r x[r, c], x [rows, cols]: each column summed from 0 in row order (r = 0, 1, …),
 * the order of a sequential sum over a transposed copy; four columns in a SIMD vector.
 */
export function columnSum(x: usize, out: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  const rowBytes = (<usize>cols) << 2;
  let c = c0;
  for (; c + 16 <= c1; c += 16) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let p = x + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p, 0));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += rowBytes;
    }
    const o = out + ((<usize>c) << 2);
    v128.store(o, a0, 0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; c + 4 <= c1; c += 4) {
    let a = f32x4.splat(0);
    let p = x + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += rowBytes;
    }
    v128.store(out + ((<usize>c) << 2), a);
  }
  for (; c < c1; c++) {
    let s: f32 = 0;
    let p = x + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(out + ((<usize>c) << 2), s);
  }
}
