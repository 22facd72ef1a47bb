// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// C = op(A)·op(B) for the large products of a training step (a linear layer forward, and its two backward products
// with a transposed operand), C [M, N] row-major. Element (i, k) of op(A) lies at a + i·ars + k·acs and element
// (k, j) of op(B) at b + k·brs + j·bcs (byte strides), so a transposed operand is read where it lies, never copied.
//
// The blocking of GotoBLAS / BLIS, at the sizes of this machine's caches:
//  - `packB` lays op(B) out as panels of 8 columns, K × 8 floats each, contiguous (zero columns past N);
//  - `gemm` goes through K in blocks of KC, and through its rows in blocks of MC; it packs the block of op(A) as
//    panels of 4 rows (KC × 4 floats each, zero rows past M), then multiplies every panel of B by every panel of
//    that block, 4 × 8 elements of C at a time: eight SIMD sums in flight, each A value loaded as a broadcast.
//    A panel of B (KC × 8 floats, 8 KiB) stays in L1 while it meets the block's row panels, the block (MC × KC
//    floats) in L2.
//
// Causal attention's products (engine/wasmKernels `CausalProduct`) skip what the causal mask makes zero or unused, a
// block of MC rows at a time (`causal`, with the query rows stacked as G groups of T after `past` cached keys):
//  1. C = scores: row i needs the keys j ≤ past + (i mod T); the panels past the block's last such key are not
//     computed but set to 0 (the mask removes them);
//  2. C = P·V (A lower-triangular): row i sums k = 0 .. past + (i mod T) only, A being 0 beyond;
//  3. C = Pᵀ·dY (op(A) upper-triangular; C's rows are keys): row i sums from k = i − past, A being 0 before that
//     (in the first group; later groups are summed whole).
// Leaving out products with an exact 0 changes no bit of a sum that starts from +0.
//
// Every element of C is Σ_k A[i, k]·B[k, j], summed in the order k = 0, 1, …, K − 1 from 0, one product and one add
// at a time (no fused multiply-add): the bits do not depend on the blocking, on how rows are split between threads,
// or on where the element lies in a tile.

// @ts-nocheck

/** Columns of a panel of B and of a tile of C. */
const NR = 8;
/** Rows of a panel of A and of a tile of C. */
const MR = 4;
/** K per block. */
const KC = 256;
/** Rows per block of A (the unit that threads take in turn). */
const MC = 32;

/** The floats of scratch that {@link gemm} needs: a packed block of A, and one tile for the edges of C. */
export function gemmScratchFloats(): i32 {
  return MC * KC + MR * NR;
}

/** The floats of op(B) [K, N] packed by {@link packB}: ⌈N / 8⌉ panels of K × 8. */
export function packedBFloats(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

/**
 * Packs panels p0..p1−1 of op(B) [K, N]: panel p holds columns 8p..8p+7 as K rows of 8 floats at
 * dst + p·K·32 bytes; columns past N are 0.
 */
function packB(b: usize, brs: usize, bcs: usize, k: i32, n: i32, dst: usize, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    const j0 = p * NR;
    const cols = min(NR, n - j0);
    let out = dst + (<usize>p) * (<usize>k) * (NR << 2);
    const col0 = b + (<usize>j0) * bcs;
    if (cols === NR && bcs === 4) {
      for (let kk = 0; kk < k; kk++) {
        const src = col0 + (<usize>kk) * brs;
        v128.store(out, v128.load(src), 0);
        v128.store(out, v128.load(src, 16), 16);
        out += NR << 2;
      }
      continue;
    }
    for (let kk = 0; kk < k; kk++) {
      const src = col0 + (<usize>kk) * brs;
      for (let c = 0; c < NR; c++) {
        store<f32>(out + ((<usize>c) << 2), c < cols ? load<f32>(src + (<usize>c) * bcs) : 0);
      }
      out += NR << 2;
    }
  }
}

/**
 * Packs rows i0..i0+rows−1 and columns k0..k0+kc−1 of op(A) as panels of 4 rows: panel q holds rows i0+4q..i0+4q+3
 * as kc groups of 4 floats at dst + q·kc·16 bytes; rows past the block are 0.
 */
function packA(a: usize, ars: usize, acs: usize, i0: i32, rows: i32, k0: i32, kc: i32, dst: usize): void {
  let out = dst;
  for (let q = 0; q < rows; q += MR) {
    const r = min(MR, rows - q);
    const src0 = a + (<usize>(i0 + q)) * ars + (<usize>k0) * acs;
    if (r === MR && ars === 4) {
      // op(A) is a transposed [K, M] tensor: the 4 rows of a column lie side by side
      for (let kk = 0; kk < kc; kk++) {
        v128.store(out, v128.load(src0 + (<usize>kk) * acs));
        out += MR << 2;
      }
    } else if (r === MR) {
      const src1 = src0 + ars;
      const src2 = src1 + ars;
      const src3 = src2 + ars;
      for (let kk = 0; kk < kc; kk++) {
        const off = (<usize>kk) * acs;
        store<f32>(out, load<f32>(src0 + off), 0);
        store<f32>(out, load<f32>(src1 + off), 4);
        store<f32>(out, load<f32>(src2 + off), 8);
        store<f32>(out, load<f32>(src3 + off), 12);
        out += MR << 2;
      }
    } else {
      for (let kk = 0; kk < kc; kk++) {
        const off = (<usize>kk) * acs;
        for (let rr = 0; rr < MR; rr++) {
          store<f32>(out + ((<usize>rr) << 2), rr < r ? load<f32>(src0 + (<usize>rr) * ars + off) : 0);
        }
        out += MR << 2;
      }
    }
  }
}

/**
 * C[i, j] (+)= Σ_k pa[k, i]·pb[k, j] for a tile of 4 × 8 at cp (row stride crs bytes), from packed panels pa
 * (kc × 4) and pb (kc × 8). `first`: start from 0 instead of C.
 */
function tile(pa: usize, pb: usize, cp: usize, crs: usize, kc: i32, first: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const cp1 = cp + crs;
  const cp2 = cp1 + crs;
  const cp3 = cp2 + crs;
  if (!first) {
    c00 = v128.load(cp, 0);
    c01 = v128.load(cp, 16);
    c10 = v128.load(cp1, 0);
    c11 = v128.load(cp1, 16);
    c20 = v128.load(cp2, 0);
    c21 = v128.load(cp2, 16);
    c30 = v128.load(cp3, 0);
    c31 = v128.load(cp3, 16);
  }
  let a = pa;
  let b = pb;
  const end = pa + ((<usize>kc) << 4);
  while (a < end) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a, 0);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    a += MR << 2;
    b += NR << 2;
  }
  v128.store(cp, c00, 0);
  v128.store(cp, c01, 16);
  v128.store(cp1, c10, 0);
  v128.store(cp1, c11, 16);
  v128.store(cp2, c20, 0);
  v128.store(cp2, c21, 16);
  v128.store(cp3, c30, 0);
  v128.store(cp3, c31, 16);
}

/** {@link tile} for the first 4 of its 8 columns (a last panel of B with 4 columns). */
function halfTile(pa: usize, pb: usize, cp: usize, crs: usize, kc: i32, first: bool): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  const cp1 = cp + crs;
  const cp2 = cp1 + crs;
  const cp3 = cp2 + crs;
  if (!first) {
    c0 = v128.load(cp);
    c1 = v128.load(cp1);
    c2 = v128.load(cp2);
    c3 = v128.load(cp3);
  }
  let a = pa;
  let b = pb;
  const end = pa + ((<usize>kc) << 4);
  while (a < end) {
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a, 0), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a, 12), b0));
    a += MR << 2;
    b += NR << 2;
  }
  v128.store(cp, c0);
  v128.store(cp1, c1);
  v128.store(cp2, c2);
  v128.store(cp3, c3);
}

/** Panels of B that a thread packs at a time. */
const PACK_CHUNK = 4;
/** Spins of a thread waiting for the other's panels before it packs them all itself (a fraction of a second). */
const SPIN_LIMIT = 1 << 28;

/** Sets n int32s at p to 0 (the control block of {@link gemmShared} and {@link gemmBatchShared}, before a call). */
export function zeroInts(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(p + ((<usize>i) << 2), 0);
}

/**
 * C = op(A)·op(B) by every thread that calls it with the same arguments (but its own `scratch`), each taking work in
 * turn from the control block `ctl` (3 int32s, zeroed before the first thread starts): first panels of B to pack
 * (4 at a time, into pb), then, once all are packed, blocks of MC rows of C. Which thread computes which block does
 * not change a bit of it. A thread whose partner has not packed its panels within {@link SPIN_LIMIT} spins packs
 * them all itself (the same values written again), so a stalled partner cannot hold it up for ever.
 */
export function gemmShared(
  a: usize,
  ars: usize,
  acs: usize,
  b: usize,
  brs: usize,
  bcs: usize,
  pb: usize,
  c: usize,
  crs: usize,
  m: i32,
  k: i32,
  n: i32,
  scratch: usize,
  ctl: usize,
): void {
  const panels = (n + NR - 1) / NR;
  for (;;) {
    const p = atomic.add<i32>(ctl, PACK_CHUNK);
    if (p >= panels) break;
    const q = min(panels, p + PACK_CHUNK);
    packB(b, brs, bcs, k, n, pb, p, q);
    atomic.add<i32>(ctl, q - p, 4);
  }
  let spins = 0;
  while (atomic.load<i32>(ctl, 4) < panels) {
    if (++spins > SPIN_LIMIT) {
      packB(b, brs, bcs, k, n, pb, 0, panels);
      break;
    }
  }
  for (;;) {
    const i0 = atomic.add<i32>(ctl, 1, 8) * MC;
    if (i0 >= m) break;
    gemm(a, ars, acs, pb, c, crs, i0, min(m, i0 + MC), k, n, scratch, 0, 1, 0);
  }
}

/**
 * A batch of products C_e = op(A_e)·op(B_e) (batch strides abs, bbs, cbs in bytes; 0 for an operand shared by the
 * batch) by every thread that calls it with the same arguments (but its own `scratch`), each taking the next entry
 * from the control block `ctl` (1 int32, zeroed before the first thread starts): op(B_e) packed into its scratch,
 * then all rows of C_e by {@link gemm}. Scratch per thread: {@link packedBFloats} then {@link gemmScratchFloats}.
 * `causal` (0 for none), `t` and `past`: the causal skipping of the header (1, 2 or 3), T and the cached keys.
 */
export function gemmBatchShared(
  a: usize,
  abs: usize,
  ars: usize,
  acs: usize,
  b: usize,
  bbs: usize,
  brs: usize,
  bcs: usize,
  c: usize,
  cbs: usize,
  m: i32,
  k: i32,
  n: i32,
  batch: i32,
  scratch: usize,
  ctl: usize,
  causal: i32,
  t: i32,
  past: i32,
): void {
  const rest = scratch + ((<usize>packedBFloats(k, n)) << 2);
  const panels = (n + NR - 1) / NR;
  for (;;) {
    const e = atomic.add<i32>(ctl, 1);
    if (e >= batch) break;
    const at = <usize>e;
    packB(b + at * bbs, brs, bcs, k, n, scratch, 0, panels);
    gemm(a + at * abs, ars, acs, scratch, c + at * cbs, (<usize>n) << 2, 0, m, k, n, rest, causal, t, past);
  }
}

/** The largest i mod t over rows i0..i1−1 (t − 1 where they reach into another group of t rows). */
function lastInGroup(i0: i32, i1: i32, t: i32): i32 {
  return i0 / t === (i1 - 1) / t ? (i1 - 1) % t : t - 1;
}

/**
 * Rows m0..m1−1 of C = op(A)·op(B), C [M, N] at c (row stride crs bytes), op(B) packed by {@link packB} at pb
 * (all of its panels), with {@link gemmScratchFloats} floats of scratch at `scratch` (one per thread); `causal`, `t`
 * and `past` as in {@link gemmBatchShared} (0, 1, 0 for a plain product).
 */
function gemm(
  a: usize,
  ars: usize,
  acs: usize,
  pb: usize,
  c: usize,
  crs: usize,
  m0: i32,
  m1: i32,
  k: i32,
  n: i32,
  scratch: usize,
  causal: i32,
  t: i32,
  past: i32,
): void {
  const edge = scratch + ((<usize>(MC * KC)) << 2);
  const edgeRow: usize = NR << 2;
  const allPanels = (n + NR - 1) / NR;
  for (let i0 = m0; i0 < m1; i0 += MC) {
    const rows = min(MC, m1 - i0);
    // the part of K and the panels of B that this block of rows needs
    let kLo = 0;
    let kHi = k;
    let panels = allPanels;
    if (causal === 1) panels = min(allPanels, (past + lastInGroup(i0, i0 + rows, t) + NR) / NR);
    else if (causal === 2) kHi = min(k, past + lastInGroup(i0, i0 + rows, t) + 1);
    else if (causal === 3) kLo = min(k, max(0, i0 - past));
    if (kLo >= kHi || panels < allPanels) {
      // what is not computed is 0 (here: the whole block where it sums nothing)
      const j0 = kLo >= kHi ? 0 : panels * NR;
      for (let q = 0; q < rows; q++) {
        const row = c + (<usize>(i0 + q)) * crs;
        for (let j = j0; j < n; j++) store<f32>(row + ((<usize>j) << 2), 0);
      }
    }
    for (let k0 = kLo; k0 < kHi; k0 += KC) {
      const kc = min(KC, kHi - k0);
      const first = k0 === kLo;
      packA(a, ars, acs, i0, rows, k0, kc, scratch);
      for (let p = 0; p < panels; p++) {
        const j0 = p * NR;
        const cols = min(NR, n - j0);
        const pbp = pb + ((<usize>p) * (<usize>k) + <usize>k0) * (NR << 2);
        for (let q = 0; q < rows; q += MR) {
          const r = min(MR, rows - q);
          const pap = scratch + (<usize>q) * (<usize>kc) * 4;
          const cp = c + (<usize>(i0 + q)) * crs + ((<usize>j0) << 2);
          if (r === MR && cols === NR) {
            tile(pap, pbp, cp, crs, kc, first);
            continue;
          }
          if (r === MR && cols === NR / 2) {
            halfTile(pap, pbp, cp, crs, kc, first);
            continue;
          }
          // an edge tile: through a full 4 × 8 tile in scratch, of which only the part inside C is copied back
          for (let rr = 0; rr < MR; rr++) {
            for (let cc = 0; cc < NR; cc++) {
              const inside = rr < r && cc < cols;
              const at = edge + (<usize>rr) * edgeRow + ((<usize>cc) << 2);
              store<f32>(at, inside && !first ? load<f32>(cp + (<usize>rr) * crs + ((<usize>cc) << 2)) : 0);
            }
          }
          tile(pap, pbp, edge, edgeRow, kc, false);
          for (let rr = 0; rr < r; rr++) {
            for (let cc = 0; cc < cols; cc++) {
              const off = (<usize>cc) << 2;
              store<f32>(cp + (<usize>rr) * crs + off, load<f32>(edge + (<usize>rr) * edgeRow + off));
            }
          }
        }
      }
    }
  }
}
