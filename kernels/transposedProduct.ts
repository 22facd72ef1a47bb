// AssemblyScript, compiled with kernels/softmaxBackward.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `v128` are AssemblyScript's types.
//
// C = Aᵀ·B for a batch of products whose right operand is narrow: per batch entry
//   A [T, S] (row-major), B [T, N] (row-major, N a multiple of 4), C [S, N]:
//   C[s, j] = Σ_t A[t, s] · B[t, j].
// In attention's backward pass A is the [T, T]-sized probability (or score-gradient) tensor and N is the head
// dimension, so an ordinary GEMM would first need Aᵀ as a copy. Here A is read once, row by row, four rows at a
// time, and each row of C (N floats, a few cache lines) accumulates their contributions: no copy of A.
// The module imports the caller's memory and keeps nothing in its own: pointers are byte offsets in it.

// @ts-nocheck

/** Accumulates rows t0..t0+3 of A and B into C, for N = 8 (two vectors per row of C). */
@inline
function rows4n8(a: usize, b: usize, c: usize, s: i32): void {
  const rowStride = (<usize>s) << 2;
  const a1 = a + rowStride;
  const a2 = a1 + rowStride;
  const a3 = a2 + rowStride;
  const b00 = v128.load(b, 0);
  const b01 = v128.load(b, 16);
  const b10 = v128.load(b, 32);
  const b11 = v128.load(b, 48);
  const b20 = v128.load(b, 64);
  const b21 = v128.load(b, 80);
  const b30 = v128.load(b, 96);
  const b31 = v128.load(b, 112);
  for (let col = 0; col < s; col++) {
    const off = (<usize>col) << 2;
    const cp = c + ((<usize>col) << 5);
    const p0 = v128.load32_splat(a + off);
    const p1 = v128.load32_splat(a1 + off);
    const p2 = v128.load32_splat(a2 + off);
    const p3 = v128.load32_splat(a3 + off);
    let lo = v128.load(cp, 0);
    let hi = v128.load(cp, 16);
    lo = f32x4.add(lo, f32x4.mul(p0, b00));
    hi = f32x4.add(hi, f32x4.mul(p0, b01));
    lo = f32x4.add(lo, f32x4.mul(p1, b10));
    hi = f32x4.add(hi, f32x4.mul(p1, b11));
    lo = f32x4.add(lo, f32x4.mul(p2, b20));
    hi = f32x4.add(hi, f32x4.mul(p2, b21));
    lo = f32x4.add(lo, f32x4.mul(p3, b30));
    hi = f32x4.add(hi, f32x4.mul(p3, b31));
    v128.store(cp, lo, 0);
    v128.store(cp, hi, 16);
  }
}

/** Accumulates one row of A and B into C, for any N that is a multiple of 4. */
@inline
function row1(a: usize, b: usize, c: usize, s: i32, n: i32): void {
  const rowBytes = (<usize>n) << 2;
  for (let col = 0; col < s; col++) {
    const p = v128.load32_splat(a + ((<usize>col) << 2));
    const cp = c + (<usize>col) * rowBytes;
    for (let j: usize = 0; j < rowBytes; j += 16) {
      v128.store(cp + j, f32x4.add(v128.load(cp + j), f32x4.mul(p, v128.load(b + j))));
    }
  }
}

/**
 * C = Aᵀ·B for `batch` entries stored one after another (A: batch × T × S, B: batch × T × N, C: batch × S × N,
 * float32, byte offsets). Sums over t in increasing order, four rows at a time for N = 8.
 */
export function transposedProduct(a: usize, b: usize, c: usize, batch: i32, t: i32, s: i32, n: i32): void {
  const aSize = (<usize>t) * (<usize>s) << 2;
  const bSize = (<usize>t) * (<usize>n) << 2;
  const cSize = (<usize>s) * (<usize>n) << 2;
  const aRow = (<usize>s) << 2;
  const bRow = (<usize>n) << 2;
  for (let e = 0; e < batch; e++) {
    const ae = a + (<usize>e) * aSize;
    const be = b + (<usize>e) * bSize;
    const ce = c + (<usize>e) * cSize;
    memory.fill(ce, 0, cSize);
    let r = 0;
    if (n == 8) {
      for (; r + 4 <= t; r += 4) rows4n8(ae + (<usize>r) * aRow, be + (<usize>r) * bRow, ce, s);
    }
    for (; r < t; r++) row1(ae + (<usize>r) * aRow, be + (<usize>r) * bRow, ce, s, n);
  }
}
