// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// A product with few rows, C = X·W (X [M, K], W [K, N], C [M, N]) or C = X·Wᵀ (W [N, K]), on the calling thread:
// a decoding step multiplies one row per sequence by every weight matrix, a few thousand multiply-adds each, where
// the call into XNNPACK (and, in the threaded build, waking its thread pool) costs more than the arithmetic.

// @ts-nocheck

/**
 * C = X·W. Rows go four at a time (one load of W serves four rows) and columns eight at a time (two SIMD vectors:
 * eight independent sums in flight), then four; a row left over goes alone, sixteen columns at a time (four sums in
 * flight), then four; the last columns one at a time.
 */
export function rowsProduct(x: usize, w: usize, c: usize, m: i32, k: i32, n: i32): void {
  const n8 = n & ~7;
  const n4 = n & ~3;
  const wRow = (<usize>n) << 2;
  const xRow = (<usize>k) << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const x0 = x + (<usize>i) * xRow;
    const c0 = c + (<usize>i) * wRow;
    let j = 0;
    for (; j < n8; j += 8) fourRowsEight(x0, xRow, w + ((<usize>j) << 2), wRow, c0 + ((<usize>j) << 2), k);
    for (; j < n4; j += 4) {
      for (let r = 0; r < 4; r++) {
        const off = (<usize>r) * xRow;
        oneRowFour(x0 + off, w + ((<usize>j) << 2), wRow, c0 + (<usize>r) * wRow + ((<usize>j) << 2), k);
      }
    }
    for (let r = 0; r < 4; r++) columnsLeft(x0 + (<usize>r) * xRow, w, c0 + (<usize>r) * wRow, k, n, n4);
  }
  const n16 = n & ~15;
  for (; i < m; i++) {
    const xi = x + (<usize>i) * xRow;
    const ci = c + (<usize>i) * wRow;
    let j = 0;
    for (; j < n16; j += 16) oneRowSixteen(xi, w + ((<usize>j) << 2), wRow, ci + ((<usize>j) << 2), k);
    for (; j < n4; j += 4) oneRowFour(xi, w + ((<usize>j) << 2), wRow, ci + ((<usize>j) << 2), k);
    columnsLeft(xi, w, ci, k, n, n4);
  }
}

/** Four rows × eight columns of C: x0 the first row of X, wj the first W column, cj the first C element. */
@inline
function fourRowsEight(x0: usize, xRow: usize, wj: usize, wRow: usize, cj: usize, k: i32): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let b3 = f32x4.splat(0);
  let wp = wj;
  let xp = x0;
  for (let kk = 0; kk < k; kk++) {
    const wa = v128.load(wp);
    const wb = v128.load(wp + 16);
    const s0 = f32x4.splat(load<f32>(xp));
    const s1 = f32x4.splat(load<f32>(xp + xRow));
    const s2 = f32x4.splat(load<f32>(xp + 2 * xRow));
    const s3 = f32x4.splat(load<f32>(xp + 3 * xRow));
    a0 = f32x4.add(a0, f32x4.mul(s0, wa));
    b0 = f32x4.add(b0, f32x4.mul(s0, wb));
    a1 = f32x4.add(a1, f32x4.mul(s1, wa));
    b1 = f32x4.add(b1, f32x4.mul(s1, wb));
    a2 = f32x4.add(a2, f32x4.mul(s2, wa));
    b2 = f32x4.add(b2, f32x4.mul(s2, wb));
    a3 = f32x4.add(a3, f32x4.mul(s3, wa));
    b3 = f32x4.add(b3, f32x4.mul(s3, wb));
    wp += wRow;
    xp += 4;
  }
  v128.store(cj, a0);
  v128.store(cj + 16, b0);
  v128.store(cj + wRow, a1);
  v128.store(cj + wRow + 16, b1);
  v128.store(cj + 2 * wRow, a2);
  v128.store(cj + 2 * wRow + 16, b2);
  v128.store(cj + 3 * wRow, a3);
  v128.store(cj + 3 * wRow + 16, b3);
}

/** One row × sixteen columns of C (four independent sums). */
@inline
function oneRowSixteen(xi: usize, wj: usize, wRow: usize, cj: usize, k: i32): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let wp = wj;
  for (let kk = 0; kk < k; kk++) {
    const s = f32x4.splat(load<f32>(xi + ((<usize>kk) << 2)));
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wp)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wp + 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(wp + 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(wp + 48)));
    wp += wRow;
  }
  v128.store(cj, a0);
  v128.store(cj + 16, a1);
  v128.store(cj + 32, a2);
  v128.store(cj + 48, a3);
}

/** One row × four columns of C. */
@inline
function oneRowFour(xi: usize, wj: usize, wRow: usize, cj: usize, k: i32): void {
  let a = f32x4.splat(0);
  let wp = wj;
  for (let kk = 0; kk < k; kk++) {
    a = f32x4.add(a, f32x4.mul(f32x4.splat(load<f32>(xi + ((<usize>kk) << 2))), v128.load(wp)));
    wp += wRow;
  }
  v128.store(cj, a);
}

/** The columns nv..n-1 of one row of C = X·W, one at a time. */
@inline
function columnsLeft(xi: usize, w: usize, ci: usize, k: i32, n: i32, nv: i32): void {
  const wRow = (<usize>n) << 2;
  for (let j = nv; j < n; j++) {
    let s: f32 = 0;
    let wp = w + ((<usize>j) << 2);
    for (let kk = 0; kk < k; kk++) {
      s += load<f32>(xi + ((<usize>kk) << 2)) * load<f32>(wp);
      wp += wRow;
    }
    store<f32>(ci + ((<usize>j) << 2), s);
  }
}

/**
 * C = X·Wᵀ, W [N, K] (a tied output head: the embedding matrix), for at most 16 rows. X is first copied transposed
 * into `xT` [K, M4] (M4 = M rounded up to 4, zero padded), so that four rows of a column of C are one SIMD sum:
 * C[i..i+3, j] = Σ_k xT[k, i..i+3] · W[j, k], over k in order, as XNNPACK sums it (the same bits as without this
 * kernel, so a decoded token does not depend on how many sequences share its batch).
 */
export function rowsProductT(x: usize, w: usize, c: usize, xT: usize, m: i32, k: i32, n: i32): void {
  const m4 = (m + 3) & ~3;
  const blocks = m4 >> 2;
  // xT [k, m4]
  for (let kk = 0; kk < k; kk++) {
    const row = xT + (<usize>(kk * m4)) * 4;
    for (let i = 0; i < m4; i++) {
      store<f32>(row + ((<usize>i) << 2), i < m ? load<f32>(x + (<usize>(i * k + kk)) * 4) : 0);
    }
  }
  const cRow = (<usize>n) << 2;
  const xRow = (<usize>m4) << 2;
  for (let j = 0; j < n; j++) {
    const wj = w + (<usize>(j * k)) * 4;
    const cj = c + ((<usize>j) << 2);
    if (blocks == 1) {
      let a0 = f32x4.splat(0);
      let xp = xT;
      for (let kk = 0; kk < k; kk++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), f32x4.splat(load<f32>(wj + ((<usize>kk) << 2)))));
        xp += xRow;
      }
      storeColumn(cj, cRow, a0, 0, m);
    } else {
      // up to four blocks of four rows (zero padded beyond m4)
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let xp = xT;
      for (let kk = 0; kk < k; kk++) {
        const ws = f32x4.splat(load<f32>(wj + ((<usize>kk) << 2)));
        a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), ws));
        a1 = f32x4.add(a1, f32x4.mul(blocks > 1 ? v128.load(xp + 16) : f32x4.splat(0), ws));
        a2 = f32x4.add(a2, f32x4.mul(blocks > 2 ? v128.load(xp + 32) : f32x4.splat(0), ws));
        a3 = f32x4.add(a3, f32x4.mul(blocks > 3 ? v128.load(xp + 48) : f32x4.splat(0), ws));
        xp += xRow;
      }
      storeColumn(cj, cRow, a0, 0, m);
      storeColumn(cj, cRow, a1, 4, m);
      storeColumn(cj, cRow, a2, 8, m);
      storeColumn(cj, cRow, a3, 12, m);
    }
  }
}

/** Stores the lanes of `v` as C[i0..i0+3, j] (rows below m only); cj = &C[0, j], cRow the bytes of a row of C. */
@inline
function storeColumn(cj: usize, cRow: usize, v: v128, i0: i32, m: i32): void {
  if (i0 < m) store<f32>(cj + (<usize>i0) * cRow, f32x4.extract_lane(v, 0));
  if (i0 + 1 < m) store<f32>(cj + (<usize>(i0 + 1)) * cRow, f32x4.extract_lane(v, 1));
  if (i0 + 2 < m) store<f32>(cj + (<usize>(i0 + 2)) * cRow, f32x4.extract_lane(v, 2));
  if (i0 + 3 < m) store<f32>(cj + (<usize>(i0 + 3)) * cRow, f32x4.extract_lane(v, 3));
}
